"""Run-time support for DAGs compiled by dagspec.

Generated DAG files import from this module; it is shipped beside them. Everything here runs
when a task runs, never when Airflow parses a DAG file, so module level imports only the
standard library.
"""

import importlib
import inspect
import json
import logging
import operator
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

# Accounts that host SageMaker's own images, by region. The XGBoost and scikit-learn
# containers share one set of accounts; the deep learning containers (TensorFlow, PyTorch)
# another. A region missing here needs a full image URI in the spec.
_SAGEMAKER_ALGORITHMS = {
    "ap-northeast-1": "354813040037",
    "ap-northeast-2": "366743142698",
    "ap-south-1": "720646828776",
    "ap-southeast-1": "121021644041",
    "ap-southeast-2": "783357654285",
    "ca-central-1": "341280168497",
    "eu-central-1": "492215442770",
    "eu-north-1": "662702820516",
    "eu-west-1": "141502667606",
    "eu-west-2": "764974769150",
    "eu-west-3": "659782779980",
    "sa-east-1": "737474898029",
    "us-east-1": "683313688378",
    "us-east-2": "257758044811",
    "us-west-1": "746614075791",
    "us-west-2": "246618743249",
}
_DEEP_LEARNING = dict.fromkeys(_SAGEMAKER_ALGORITHMS, "763104351884")

IMAGE_REPOSITORIES = {
    "xgboost": ("sagemaker-xgboost", _SAGEMAKER_ALGORITHMS),
    "sklearn": ("sagemaker-scikit-learn", _SAGEMAKER_ALGORITHMS),
    "tensorflow-training": ("tensorflow-training", _DEEP_LEARNING),
    "tensorflow-inference": ("tensorflow-inference", _DEEP_LEARNING),
    "pytorch-training": ("pytorch-training", _DEEP_LEARNING),
    "pytorch-inference": ("pytorch-inference", _DEEP_LEARNING),
}


def image_uri(framework: str, version: str, region: str | None = None) -> str:
    """The URI of a SageMaker framework image in the region of the AWS connection."""
    if region is None:
        from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

        region = AwsBaseHook(aws_conn_id="aws_default", client_type="sts").conn_region_name
    repository, accounts = IMAGE_REPOSITORIES[framework]
    if region not in accounts:
        raise ValueError(
            f"no {framework} image is known for region {region}; give the image's full URI"
        )
    return f"{accounts[region]}.dkr.ecr.{region}.amazonaws.com/{repository}:{version}"
