"""The pure parts of the SageMaker processing scripts, the Lambda handler and the helpers."""

import math
import sys

import boto3
import pytest
from conftest import ROOT
from moto import mock_aws

sys.path.insert(0, str(ROOT / "ml-scripts"))
sys.path.insert(0, str(ROOT / "lambdas"))
sys.path.insert(0, str(ROOT / "dags-src" / "helpers"))

import evaluate_classification  # noqa: E402
import evaluate_regression  # noqa: E402
import ingest_iris  # noqa: E402
import iris_preprocess  # noqa: E402
import recommendations  # noqa: E402


def test_rmse_and_error_spread():
    report = evaluate_regression.regression_report([1, 2, 3], [2, 2, 5])
    assert report["rows"] == 3
    assert report["regression_metrics"]["rmse"]["value"] == pytest.approx(math.sqrt(5 / 3))


def test_the_regression_report_refuses_mismatched_input():
    with pytest.raises(ValueError):
        evaluate_regression.regression_report([1, 2], [1])


def test_accuracy_and_confusion_counts():
    report = evaluate_classification.classification_report([0, 1, 2, 2], [0, 2, 2, 2])
    assert report["multiclass_classification_metrics"]["accuracy"]["value"] == 0.75
    assert report["confusion"] == {"0": {"0": 1}, "1": {"2": 1}, "2": {"2": 2}}


def test_iris_rows_put_the_class_first_and_skip_headers():
    assert iris_preprocess.to_row(["5.1", "3.5", "1.4", "0.2", "Iris-setosa"]) == [
        "0",
        "5.1",
        "3.5",
        "1.4",
        "0.2",
    ]
    assert iris_preprocess.to_row(["sepal_length", "b", "c", "d", "species"]) is None
    with pytest.raises(ValueError, match="unknown species"):
        iris_preprocess.to_row(["1", "2", "3", "4", "rose"])


def test_iris_splits_are_reproducible_and_cover_every_row(tmp_path):
    source = tmp_path / "raw"
    source.mkdir()
    rows = [
        f"{i / 10},{i / 20},{i / 30},{i / 40},Iris-{['setosa', 'versicolor', 'virginica'][i % 3]}"
        for i in range(150)
    ]
    (source / "iris.csv").write_text("sepal_length,a,b,c,species\n" + "\n".join(rows) + "\n")
    iris_preprocess.main(source, tmp_path / "out")
    counts = {
        name: len((tmp_path / "out" / name / "data.csv").read_text().splitlines())
        for name in ("train", "validation", "test")
    }
    assert sum(counts.values()) == 150
    assert 85 <= counts["train"] <= 125
    iris_preprocess.main(source, tmp_path / "again")
    for name in counts:
        assert (tmp_path / "out" / name / "data.csv").read_text() == (
            tmp_path / "again" / name / "data.csv"
        ).read_text()


def test_top_items_skip_what_a_user_has_and_break_ties_by_item():
    rows = [
        {"user_id": "u1", "item_id": "a"},
        {"user_id": "u2", "item_id": "a"},
        {"user_id": "u2", "item_id": "b"},
        {"user_id": "u3", "item_id": "c"},
    ]
    assert recommendations.top_items(rows, 2) == {"u1": ["b", "c"], "u2": ["c"], "u3": ["a", "b"]}


def test_the_ingest_lambda_copies_landed_files_into_the_run_folder(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="lake")
        s3.put_object(
            Bucket="lake", Key="iris/landing/a.csv", Body=b"1,2,3,4,setosa\n5,6,7,8,virginica\n"
        )
        result = ingest_iris.handler(
            {"source": "s3://lake/iris/landing/", "target": "s3://lake/iris/raw/2024-01-01/"}
        )
        assert result == {"copied": ["iris/raw/2024-01-01/a.csv"], "rows": 2}
        with pytest.raises(RuntimeError, match="no files"):
            ingest_iris.handler({"source": "s3://lake/none/", "target": "s3://lake/x/"})
