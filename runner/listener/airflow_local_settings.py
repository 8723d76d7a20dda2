"""Airflow cluster policy of dagspec's local runner (on PYTHONPATH only for local runs).

It changes how long a local run waits, never what it does:
- AWS operators poll every DAGSPEC_POLL_SECONDS instead of every 30-60 s: moto's jobs are
  finished when they start;
- retries keep their number, but wait DAGSPEC_RETRY_DELAY seconds (doubling with exponential
  backoff) instead of minutes, so a failure's retries are seen in seconds;
- `dagspec run --fail <task>` points that task's AWS connection at an endpoint that refuses
  every call, so its operator fails as it would on an AWS error.
"""

import datetime
import os

from dagspec_standin.settings import FAIL_CONNECTION, fail_target

POLL_ATTRIBUTES = ("check_interval", "job_poll_interval", "poll_interval")


def task_policy(task) -> None:
    poll = os.environ.get("DAGSPEC_POLL_SECONDS")
    if poll:
        for attribute in POLL_ATTRIBUTES:
            if hasattr(task, attribute):
                setattr(task, attribute, int(poll))
    delay = os.environ.get("DAGSPEC_RETRY_DELAY")
    if delay and task.retries:
        seconds = float(delay)
        task.retry_delay = datetime.timedelta(seconds=seconds)
        task.max_retry_delay = datetime.timedelta(seconds=seconds * 8)
    target = fail_target()
    if target == (task.dag_id, task.task_id) and hasattr(task, "aws_conn_id"):
        task.aws_conn_id = FAIL_CONNECTION
