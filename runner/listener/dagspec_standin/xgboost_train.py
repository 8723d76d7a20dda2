"""Trains like SageMaker's built-in XGBoost algorithm (image 1.7-1) on text/csv channels.

    python xgboost_train.py --channels DIR --model-dir DIR --hyperparameters JSON

Runs in the image's Python: a virtualenv with the XGBoost image's Python version and pins
(pyenv/image-xgboost-1.7-1-py3X.txt: xgboost 1.7.4), so it is written for Python 3.8 and
imports nothing but numpy and xgboost. As the algorithm does: each
channel is a folder of headerless CSV files with the label in the first column; `train` is
required, `validation` is evaluated each round (and used for early stopping when
`early_stopping_rounds` is given); `num_round` is the number of boosting rounds and every other
hyperparameter goes to xgboost as it is; the model is saved as `xgboost-model` in the model
folder, which SageMaker packs into model.tar.gz. The last line printed is the final metrics.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import xgboost

NOT_PARAMS = {"num_round", "early_stopping_rounds", "_tuning_objective_metric"}


def read_channel(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    files = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith((".", "_")) and p.stat().st_size
    )
    rows = [np.loadtxt(f, delimiter=",", ndmin=2, dtype=np.float64) for f in files]
    if not rows:
        raise SystemExit(f"xgboost_train: no rows in channel {folder.name}")
    data = np.vstack(rows)
    return data[:, 1:], data[:, 0]


def value(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--channels", type=Path, required=True)
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--hyperparameters", default="{}")
    options = parser.parse_args(argv)
    hyper = {k: value(str(v)) for k, v in json.loads(options.hyperparameters).items()}
    if "num_round" not in hyper:
        raise SystemExit("xgboost_train: the num_round hyperparameter is required")
    params = {k: v for k, v in hyper.items() if k not in NOT_PARAMS}

    features, labels = read_channel(options.channels / "train")
    train = xgboost.DMatrix(features, label=labels)
    evals = [(train, "train")]
    if (options.channels / "validation").is_dir():
        v_features, v_labels = read_channel(options.channels / "validation")
        evals.append((xgboost.DMatrix(v_features, label=v_labels), "validation"))
    history: dict = {}
    booster = xgboost.train(
        params,
        train,
        num_boost_round=int(hyper["num_round"]),
        evals=evals,
        evals_result=history,
        early_stopping_rounds=hyper.get("early_stopping_rounds"),
        verbose_eval=False,
    )
    options.model_dir.mkdir(parents=True, exist_ok=True)
    booster.save_model(str(options.model_dir / "xgboost-model"))
    final = ", ".join(
        f"{data}-{metric} {values[-1]:.4f}"
        for data, metrics in history.items()
        for metric, values in metrics.items()
    )
    print(f"{len(labels)} training rows, {booster.num_boosted_rounds()} rounds: {final}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
