"""SageMaker processing script: the test accuracy of an XGBoost multi-class model.

Inputs and output as in evaluate_regression.py; the report is
  {"multiclass_classification_metrics": {"accuracy": {"value": ...}}, "confusion": ..., "rows": ...}
"""

import json
import tarfile

from evaluate_regression import INPUT, OUTPUT, read_rows


def classification_report(labels: list[float], predictions: list[float]) -> dict:
    """Accuracy and the confusion counts (label -> predicted -> rows)."""
    if len(labels) != len(predictions) or not labels:
        raise ValueError("labels and predictions must be non-empty and of one length")
    confusion: dict[str, dict[str, int]] = {}
    for label, predicted in zip(labels, predictions, strict=True):
        row = confusion.setdefault(str(int(label)), {})
        row[str(int(predicted))] = row.get(str(int(predicted)), 0) + 1
    correct = sum(int(y) == int(p) for y, p in zip(labels, predictions, strict=True))
    return {
        "multiclass_classification_metrics": {"accuracy": {"value": correct / len(labels)}},
        "confusion": confusion,
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
    report = classification_report(labels, predictions)
    (OUTPUT / "evaluation.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
