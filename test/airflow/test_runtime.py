"""The runtime module shipped beside the DAGs, exercised against moto's S3."""

import datetime
import json
import re
import sys
import textwrap

import boto3
import pytest
from airflow.exceptions import AirflowFailException
from airflow.utils.context import VariableAccessor
from dagspec_runtime import (
    approval_key,
    call_helper,
    image_uri,
    metric_gate,
    read_metric,
    s3_new_objects,
    wait_for_approval,
)
from moto import mock_aws

UTC = datetime.UTC


@pytest.fixture()
def helpers(tmp_path, monkeypatch):
    """A dagspec_helpers package of our own, in place of the generated one."""
    package = tmp_path / "dagspec_helpers"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "sample.py").write_text(
        textwrap.dedent(
            """
            def add(a, b):
                return a + b

            def with_context(limit, ds, ti=None):
                return {"limit": limit, "ds": ds, "ti": ti}

            def everything(**kwargs):
                return sorted(kwargs)
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in sys.modules if m.startswith("dagspec_helpers")]:
        monkeypatch.delitem(sys.modules, name)
    return package


def test_calls_the_function_with_the_spec_arguments(helpers):
    assert call_helper("sample:add", {"a": 2, "b": 3}) == 5


def test_passes_the_context_values_the_function_names(helpers):
    result = call_helper("sample:with_context", {"limit": 7}, ds="2024-01-01", ti="T", dag="D")
    assert result == {"limit": 7, "ds": "2024-01-01", "ti": "T"}


def test_passes_all_context_to_a_function_taking_kwargs_without_overriding_arguments(helpers):
    assert call_helper("sample:everything", {"ds": "mine"}, ds="context", ti="T") == ["ds", "ti"]


def test_a_missing_helper_fails_the_task_with_the_module_name(helpers):
    with pytest.raises(ModuleNotFoundError, match="dagspec_helpers.nothing"):
        call_helper("nothing:run", {})


# ---------------------------------------------------------------- metric gate


class FakeTaskInstance:
    def __init__(self, xcom=None):
        self.xcom = xcom
        self.pushed = {}

    def xcom_pull(self, task_ids):
        return self.xcom[task_ids]

    def xcom_push(self, key, value):
        self.pushed[key] = value


@pytest.fixture()
def s3(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="lake")
        yield client


EVALUATION = {"regression_metrics": {"rmse": {"value": 2.5, "standard_deviation": 0.3}}}


@pytest.mark.parametrize(
    ("comparison", "threshold", "branch"),
    [
        ("below", "3.1", ["deploy"]),
        ("below", 2.5, ["reject"]),
        ("atMost", 2.5, ["deploy"]),
        ("above", 2.0, ["deploy"]),
        ("atLeast", "2.6", ["reject"]),
    ],
)
def test_the_gate_takes_the_branch_the_metric_in_s3_asks_for(s3, comparison, threshold, branch):
    s3.put_object(Bucket="lake", Key="eval/evaluation.json", Body=json.dumps(EVALUATION))
    ti = FakeTaskInstance()
    chosen = metric_gate(
        source={"s3": "s3://lake/eval/evaluation.json"},
        path=["regression_metrics", "rmse", "value"],
        comparison=comparison,
        threshold=threshold,
        then=["deploy"],
        otherwise=["reject"],
        ti=ti,
    )
    assert chosen == branch
    assert ti.pushed == {"metric": 2.5}


def test_the_gate_reads_an_upstream_task_s_xcom_as_json_or_mapping():
    for value in ('{"rmse": 1.0}', {"rmse": 1.0}):
        ti = FakeTaskInstance({"analyze": value})
        chosen = metric_gate({"task": "analyze"}, ["rmse"], "below", 3, ["a"], ["b"], ti=ti)
        assert chosen == ["a"]


def test_a_missing_or_non_numeric_metric_fails_instead_of_choosing_a_branch():
    with pytest.raises(KeyError, match="regression_metrics.mse"):
        read_metric(EVALUATION, ["regression_metrics", "mse", "value"])
    with pytest.raises(TypeError, match="not a number"):
        read_metric({"rmse": {"value": None}}, ["rmse", "value"])
    with pytest.raises(TypeError, match="not a number"):
        read_metric({"rmse": True}, ["rmse"])
    assert read_metric({"scores": [0.5, 0.7]}, ["scores", "1"]) == 0.7


def test_the_gate_fails_when_the_metric_document_is_missing(s3):
    with pytest.raises(Exception, match="NoSuchKey|does not exist|Not Found|404"):
        metric_gate(
            {"s3": "s3://lake/none.json"}, ["x"], "below", 1, ["a"], ["b"], ti=FakeTaskInstance()
        )


# ---------------------------------------------------------------- S3 sensor


def test_the_sensor_counts_only_objects_newer_than_the_last_successful_run(s3):
    s3.put_object(Bucket="lake", Key="survey/old.csv", Body=b"1")
    after_old = datetime.datetime.now(UTC) + datetime.timedelta(seconds=1)
    first = s3_new_objects("s3://lake/survey/", True, prev_start_date_success=None)
    assert first.is_done and first.xcom_value == ["survey/old.csv"]
    nothing_new = s3_new_objects("s3://lake/survey/", True, prev_start_date_success=after_old)
    assert not nothing_new.is_done
    ignoring_age = s3_new_objects("s3://lake/survey/", False, prev_start_date_success=after_old)
    assert ignoring_age.is_done


def test_the_sensor_ignores_folder_markers_and_other_prefixes(s3):
    s3.put_object(Bucket="lake", Key="survey/", Body=b"")
    s3.put_object(Bucket="lake", Key="other/new.csv", Body=b"1")
    result = s3_new_objects("s3://lake/survey/", True, prev_start_date_success=None)
    assert not result.is_done and result.xcom_value == []


# ---------------------------------------------------------------- approval


class FakeDag:
    dag_id = "model-review"


def approval_context():
    return {
        "dag": FakeDag(),
        "run_id": "manual__2024-01-01T00:00:00+00:00",
        "var": {"value": VariableAccessor(deserialize_json=False)},
    }


def test_approval_waits_until_an_operator_decides(monkeypatch):
    key = approval_key("model-review", "manual__2024-01-01T00:00:00+00:00")
    assert re.fullmatch(r"[A-Za-z0-9_]+", key)
    assert wait_for_approval(**approval_context()) is False
    monkeypatch.setenv(f"AIRFLOW_VAR_{key.upper()}", "approve")
    assert wait_for_approval(**approval_context()) is True
    monkeypatch.setenv(f"AIRFLOW_VAR_{key.upper()}", "reject")
    with pytest.raises(AirflowFailException, match="rejected"):
        wait_for_approval(**approval_context())


# ---------------------------------------------------------------- images


def test_framework_images_resolve_from_the_data_shipped_beside_the_runtime():
    # The URIs the SageMaker SDK gives (test/images/ checks every one against it).
    assert image_uri("xgboost", "1.7-1", "us-east-1") == (
        "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
    )
    assert image_uri("sklearn", "1.2-1", "eu-west-1") == (
        "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
    )
    with pytest.raises(ValueError, match="full URI"):
        image_uri("xgboost", "1.7-1", "mars-north-1")
