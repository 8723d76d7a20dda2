"""SageMaker processing script: the test RMSE of an XGBoost regression model.

Inputs (mounted by the processing job):
  /opt/ml/processing/input/model/model.tar.gz   the training job's artifacts
  /opt/ml/processing/input/test/*.csv           headerless CSV, the label in the first column
Output:
  /opt/ml/processing/output/evaluation/evaluation.json
    {"regression_metrics": {"rmse": {"value": ..., "standard_deviation": ...}}, "rows": ...}
"""

import csv
import json
import math
import tarfile
from pathlib import Path

INPUT = Path("/opt/ml/processing/input")
OUTPUT = Path("/opt/ml/processing/output/evaluation")


def read_rows(folder: Path) -> tuple[list[float], list[list[float]]]:
    labels: list[float] = []
    features: list[list[float]] = []
    for file in sorted(folder.glob("*.csv")):
        with file.open(newline="") as handle:
            for row in csv.reader(handle):
                if row:
                    labels.append(float(row[0]))
                    features.append([float(x) for x in row[1:]])
    if not labels:
        raise ValueError(f"no test rows under {folder}")
    return labels, features


def regression_report(labels: list[float], predictions: list[float]) -> dict:
    """RMSE of the predictions, and the standard deviation of the errors."""
    if len(labels) != len(predictions) or not labels:
        raise ValueError("labels and predictions must be non-empty and of one length")
    errors = [p - y for y, p in zip(labels, predictions, strict=True)]
    mean = sum(errors) / len(errors)
    rmse = math.sqrt(sum(e * e for e in errors) / len(errors))
    spread = math.sqrt(sum((e - mean) ** 2 for e in errors) / len(errors))
    return {
        "regression_metrics": {"rmse": {"value": rmse, "standard_deviation": spread}},
        "rows": len(labels),
    }


def main() -> None:
    import xgboost  # present in the SageMaker XGBoost image the job runs in

    with tarfile.open(INPUT / "model" / "model.tar.gz") as archive:
        archive.extractall(INPUT / "model", filter="data")
    booster = xgboost.Booster()
    booster.load_model(str(INPUT / "model" / "xgboost-model"))
    labels, features = read_rows(INPUT / "test")
    predictions = booster.predict(xgboost.DMatrix(features)).tolist()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    report = regression_report(labels, predictions)
    (OUTPUT / "evaluation.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
