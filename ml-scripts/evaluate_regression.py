"""SageMaker processing script: the test RMSE of an XGBoost regression model.

Inputs and output as in xgboost_evaluation.py; the report is
  {"regression_metrics": {"rmse": {"value": ..., "standard_deviation": ...}}, "rows": ...}
"""

from __future__ import annotations

import math

from xgboost_evaluation import predict_test_rows, write_report


def regression_report(labels: list[float], predictions: list[float]) -> dict:
    """RMSE of the predictions, and the standard deviation of the errors."""
    if len(labels) != len(predictions) or not labels:
        raise ValueError("labels and predictions must be non-empty and of one length")
    errors = [p - y for y, p in zip(labels, predictions)]
    mean = sum(errors) / len(errors)
    rmse = math.sqrt(sum(e * e for e in errors) / len(errors))
    spread = math.sqrt(sum((e - mean) ** 2 for e in errors) / len(errors))
    return {
        "regression_metrics": {"rmse": {"value": rmse, "standard_deviation": spread}},
        "rows": len(labels),
    }


def main() -> None:
    write_report(regression_report(*predict_test_rows()))


if __name__ == "__main__":
    main()
