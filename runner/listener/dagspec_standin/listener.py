"""The listener the runner's plugin registers: progress events, and the local stand-ins.

Airflow calls on_task_instance_running in the task's process after rendering its templates and
right before execute(); the stand-in for the task's operator runs there. Airflow 2 lets a
listener's exception fail the task but Airflow 3 only logs it, so a stand-in that fails makes
the task fail through its execute() instead, with the stand-in's message, on both.
"""

import logging
import os
from collections.abc import Callable
from typing import Any

from airflow.listeners import hookimpl

from dagspec_standin import events, glue, sagemaker
from dagspec_standin.sandbox import Sandbox
from dagspec_standin.settings import FAIL_CONNECTION, Settings

log = logging.getLogger("dagspec.runner")

StandIn = Callable[[Any, Sandbox], str | None]

STAND_INS: dict[str, StandIn] = {
    "GlueCrawlerOperator": glue.crawl,
    "GlueJobOperator": glue.run_job,
    "SageMakerTrainingOperator": sagemaker.train,
    "SageMakerProcessingOperator": sagemaker.process,
}


class StandInError(Exception):
    """The local work a task stands for failed."""


def _settings() -> Settings | None:
    try:
        return Settings.from_env()
    except KeyError:  # Airflow without the runner's environment: do nothing
        return None


@hookimpl
def on_task_instance_running(previous_state, task_instance):
    settings = _settings()
    if settings is None:
        return
    events.record(settings.events, "running", task_instance)
    task = task_instance.task
    if os.environ.get("DAGSPEC_APPROVE") == "1":
        _approve(task, task_instance)
    stand_in = STAND_INS.get(type(task).__name__)
    if stand_in is None:
        return
    if getattr(task, "aws_conn_id", None) == FAIL_CONNECTION:
        log.info("dagspec run --fail %s: no local work; its AWS calls will fail", task.task_id)
        return
    sandbox = Sandbox.for_task(settings, task_instance)
    try:
        note = stand_in(task, sandbox)
    except Exception as error:
        log.exception("dagspec: the local stand-in for %s failed", type(task).__name__)
        message = f"{type(task).__name__} {task.task_id}: {error}"
        events.record(settings.events, "stand-in failed", task_instance, message=message)
        _fail_execute(task, message)
        return
    if note:
        log.info("dagspec: %s", note)
        events.record(settings.events, "stand-in", task_instance, message=note)


@hookimpl
def on_task_instance_success(previous_state, task_instance):
    settings = _settings()
    if settings is not None:
        events.record(settings.events, "success", task_instance)


@hookimpl
def on_task_instance_failed(previous_state, task_instance, error):
    settings = _settings()
    if settings is not None:
        events.record(settings.events, "failed", task_instance, error=str(error or "")[:500])


def _approve(task, task_instance) -> None:
    """`dagspec run --approve`: sets the Variable an approval task waits for to "approve", as an
    operator (or `dagspec approve`) would, for this task's process. The run id is only known
    once the run exists, so this happens here rather than in the runner."""
    callable_ = getattr(task, "python_callable", None)
    if getattr(callable_, "__name__", "") != "wait_for_approval":
        return
    from dagspec_runtime import approval_key

    key = approval_key(task_instance.dag_id, task_instance.run_id)
    os.environ[f"AIRFLOW_VAR_{key.upper()}"] = "approve"
    log.info("dagspec run --approve: Variable %s set to approve", key)


def _fail_execute(task, message: str) -> None:
    """Makes the task's execute() raise, as the AWS job's failure would make it."""
    from airflow.exceptions import AirflowException

    def fail_locally(*_args, **_kwargs):
        raise AirflowException(f"the local run of this task failed: {message}")

    task.execute = fail_locally
