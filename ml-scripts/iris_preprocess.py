"""SageMaker processing script: split iris measurements for XGBoost.

Input:  /opt/ml/processing/input/raw/*  CSV rows sepal_length, sepal_width, petal_length,
        petal_width, species (a header line is skipped)
Output: /opt/ml/processing/output/{train,validation,test}/data.csv, headerless, the class
        index (0 setosa, 1 versicolor, 2 virginica) first, as SageMaker's XGBoost reads it.
Rows go to splits 70/15/15 by a hash of their content, so the split is reproducible.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

SPECIES = {"iris-setosa": 0, "iris-versicolor": 1, "iris-virginica": 2}
SPLITS = (("train", 0.70), ("validation", 0.85), ("test", 1.0))


def to_row(fields: list[str]) -> list[str] | None:
    """A training row for one input row, or None for a header or blank line."""
    if len(fields) != 5 or fields[0].strip().lower().startswith("sepal"):
        return None
    species = fields[4].strip().lower()
    species = species if species.startswith("iris-") else f"iris-{species}"
    if species not in SPECIES:
        raise ValueError(f"unknown species {fields[4]!r}")
    return [str(SPECIES[species]), *(str(float(x)) for x in fields[:4])]


def split_of(row: list[str]) -> str:
    bucket = int(hashlib.sha256(",".join(row).encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return next(name for name, upper in SPLITS if bucket <= upper)


def main(
    source: Path = Path("/opt/ml/processing/input/raw"),
    target: Path = Path("/opt/ml/processing/output"),
) -> None:
    writers = {}
    handles = []
    for name, _ in SPLITS:
        (target / name).mkdir(parents=True, exist_ok=True)
        handle = (target / name / "data.csv").open("w", newline="")
        handles.append(handle)
        writers[name] = csv.writer(handle)
    try:
        for file in sorted(p for p in source.rglob("*") if p.is_file()):
            with file.open(newline="") as handle:
                for fields in csv.reader(handle):
                    row = to_row(fields)
                    if row is not None:
                        writers[split_of(row)].writerow(row)
    finally:
        for handle in handles:
            handle.close()


if __name__ == "__main__":
    main()
