"""Run-time support for DAGs compiled by dagspec.

Generated DAG files import from this module; it is shipped beside them. Everything here runs
when a task runs, never when Airflow parses a DAG file, so module level imports only the
standard library.
"""

import functools
import importlib
import inspect
import json
import logging
import operator
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

HELPERS_PACKAGE = "dagspec_helpers"
APPROVAL_VARIABLE = "dagspec_approval__{dag_id}__{run_id}"


def call_helper(helper: str, arguments: dict[str, Any], **context: Any) -> Any:
    """Calls `module:function` from the helpers package with the spec's arguments.

    The function also receives the Airflow context values it names as parameters (`ti`,
    `params`, `ds`, ...), or all of them if it takes `**kwargs`. Its return value is pushed to
    XCom by the PythonOperator.
    """
    module_name, _, function_name = helper.partition(":")
    module = importlib.import_module(f"{HELPERS_PACKAGE}.{module_name}")
    function = getattr(module, function_name)
    parameters = inspect.signature(function).parameters
    takes_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    extra = {
        name: value
        for name, value in context.items()
        if name not in arguments and (takes_all or name in parameters)
    }
    return function(**arguments, **extra)


# ---------------------------------------------------------------- metric gate

COMPARISONS = {
    "below": operator.lt,
    "above": operator.gt,
    "atMost": operator.le,
    "atLeast": operator.ge,
}


def split_s3_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://"):
        raise ValueError(f"not an s3:// URI: {uri!r}")
    bucket, _, key = uri[len("s3://") :].partition("/")
    return bucket, key


def read_metric(document: Any, path: list[str]) -> float:
    """Walks `path` into a JSON document (a JSON string is parsed first) to a number."""
    value = json.loads(document) if isinstance(document, str | bytes) else document
    walked: list[str] = []
    for key in path:
        walked.append(key)
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            raise KeyError(f"the metric document has no {'.'.join(walked)}")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"{'.'.join(path)} is {value!r}, not a number")
    return float(value)


def metric_gate(
    source: dict[str, str],
    path: list[str],
    comparison: str,
    threshold: Any,
    then: list[str],
    otherwise: list[str],
    **context: Any,
) -> list[str]:
    """Chooses the tasks to run next from a metric: `then` if the comparison holds, else `otherwise`.

    The metric is read from a JSON object in S3 (`source["s3"]`) or from the XCom value of an
    upstream task (`source["task"]`). A missing or non-numeric metric fails the task rather
    than picking a branch.
    """
    if "s3" in source:
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook

        bucket, key = split_s3_uri(source["s3"])
        document: Any = S3Hook().read_key(key=key, bucket_name=bucket)
        where = source["s3"]
    else:
        document = context["ti"].xcom_pull(task_ids=source["task"])
        where = f"the XCom of task {source['task']}"
    value = read_metric(document, path)
    limit = float(threshold)
    passed = COMPARISONS[comparison](value, limit)
    context["ti"].xcom_push(key="metric", value=value)
    log.info("%s = %s from %s; %s %s: %s", ".".join(path), value, where, comparison, limit, passed)
    return then if passed else otherwise


# ---------------------------------------------------------------- approval


def approval_key(dag_id: str, run_id: str) -> str:
    safe_run_id = "".join(c if c.isalnum() else "_" for c in run_id)
    return APPROVAL_VARIABLE.format(dag_id=dag_id.replace("-", "_"), run_id=safe_run_id)


def wait_for_approval(**context: Any) -> bool:
    """Pokes until an operator approves the run, fails the task when they reject it.

    An operator approves by marking the task success in the Airflow UI, or by setting the
    Airflow Variable named by approval_key (`dagspec approve`) to "approve" or "reject".
    """
    from airflow.exceptions import AirflowFailException

    key = approval_key(context["dag"].dag_id, context["run_id"])
    decision = str(context["var"]["value"].get(key, "") or "").strip().lower()
    if decision in ("approve", "approved"):
        log.info("run approved (%s)", key)
        return True
    if decision in ("reject", "rejected"):
        raise AirflowFailException(f"run rejected by an operator ({key})")
    log.info("waiting for approval: set Variable %s to approve or reject", key)
    return False


# ---------------------------------------------------------------- S3 sensor


def s3_new_objects(uri: str, newer_than_last_success: bool, **context: Any) -> Any:
    """Pokes for objects under an S3 key or prefix.

    With newer_than_last_success, only objects modified after the start of the last
    successful run count, so data a run already processed does not start the next one. The
    keys found go to XCom.
    """
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    try:
        from airflow.sdk import PokeReturnValue
    except ImportError:  # Airflow 2
        from airflow.sensors.base import PokeReturnValue

    bucket, prefix = split_s3_uri(uri)
    since = context.get("prev_start_date_success") if newer_than_last_success else None
    client = S3Hook().get_conn()
    keys: list[str] = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if item["Key"].endswith("/"):
                continue
            if since is None or item["LastModified"] > since:
                keys.append(item["Key"])
    log.info("%d new object(s) under %s since %s", len(keys), uri, since or "the beginning")
    return PokeReturnValue(is_done=bool(keys), xcom_value=sorted(keys))


# ---------------------------------------------------------------- SageMaker images

# Shipped beside this module, generated from the SageMaker Python SDK's image data.
IMAGES_FILE = "dagspec_images.json"


@functools.lru_cache(maxsize=1)
def image_data() -> dict:
    return json.loads(Path(__file__).with_name(IMAGES_FILE).read_text())


def image_uri(framework: str, version: str, region: str | None = None) -> str:
    """The URI of a SageMaker framework image in the region of the AWS connection, as the
    SageMaker Python SDK resolves it (sagemaker.image_uris.retrieve)."""
    if region is None:
        from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

        region = AwsBaseHook(aws_conn_id="aws_default", client_type="sts").conn_region_name
    data = image_data()
    versions = data["frameworks"].get(framework)
    if versions is None:
        raise ValueError(f"no SageMaker framework {framework!r}; give the image's full URI")
    image = versions.get(version)
    if image is None:
        raise ValueError(
            f"no {framework} image {version!r} in the SageMaker SDK's data "
            f"(sagemaker {data['sdk']}): {', '.join(versions)}"
        )
    account = data["repositories"][image["repository"]].get(region)
    if account is None:
        raise ValueError(
            f"no {framework} {version} image is known for region {region}; "
            "give the image's full URI"
        )
    host = data["hostnames"][region]
    return f"{account}.dkr.{host}/{image['repository']}:{image['tag']}"
