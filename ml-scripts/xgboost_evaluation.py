"""What the evaluation scripts share: the model and test rows a processing job is given, the
model's predictions, and where the report goes. Shipped beside them: a processing job's code
input is its script's whole folder.

Inputs (mounted by the processing job):
  /opt/ml/processing/input/model/model.tar.gz   the training job's artifacts
  /opt/ml/processing/input/test/*.csv           headerless CSV, the label in the first column
Output:
  /opt/ml/processing/output/evaluation/evaluation.json

Runs on the Python of SageMaker's images (3.8.13 as released, 3.9 since October 2024).
"""

from __future__ import annotations

import csv
import json
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


def extract_model(archive: Path, into: Path) -> None:
    """Extracts model.tar.gz, refusing members that are not plain files or folders inside
    `into`. Python 3.8.13 has no tarfile extraction filters (PEP 706 came in 3.8.17), so the
    check is made here; where the filters exist, the data filter checks too."""
    root = into.resolve()
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        for member in members:
            target = (root / member.name).resolve()
            if not (member.isfile() or member.isdir()) or root not in (target, *target.parents):
                raise ValueError(f"{archive} holds {member.name!r}, which is not a plain file")
        if hasattr(tarfile, "data_filter"):
            tar.extractall(root, members=members, filter="data")
        else:
            tar.extractall(root, members=members)


def predict_test_rows(folder: Path = INPUT) -> tuple[list[float], list[float]]:
    """The labels of the test rows and the model's predictions for them."""
    import xgboost  # present in the SageMaker XGBoost image the job runs in

    extract_model(folder / "model" / "model.tar.gz", folder / "model")
    booster = xgboost.Booster()
    booster.load_model(str(folder / "model" / "xgboost-model"))
    labels, features = read_rows(folder / "test")
    return labels, booster.predict(xgboost.DMatrix(features)).tolist()


def write_report(report: dict, folder: Path = OUTPUT) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "evaluation.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report))
