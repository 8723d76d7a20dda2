"""SageMaker processing script: the test accuracy of an XGBoost multi-class model.

Inputs and output as in xgboost_evaluation.py; the report is
  {"multiclass_classification_metrics": {"accuracy": {"value": ...}}, "confusion": ..., "rows": ...}
"""

from __future__ import annotations

from xgboost_evaluation import predict_test_rows, write_report


def classification_report(labels: list[float], predictions: list[float]) -> dict:
    """Accuracy and the confusion counts (label -> predicted -> rows)."""
    if len(labels) != len(predictions) or not labels:
        raise ValueError("labels and predictions must be non-empty and of one length")
    confusion: dict[str, dict[str, int]] = {}
    correct = 0
    for label, predicted in zip(labels, predictions):
        row = confusion.setdefault(str(int(label)), {})
        row[str(int(predicted))] = row.get(str(int(predicted)), 0) + 1
        correct += int(label) == int(predicted)
    return {
        "multiclass_classification_metrics": {"accuracy": {"value": correct / len(labels)}},
        "confusion": confusion,
        "rows": len(labels),
    }


def main() -> None:
    write_report(classification_report(*predict_test_rows()))


if __name__ == "__main__":
    main()
