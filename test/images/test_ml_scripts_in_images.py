"""Every processing script of ml-scripts/ runs, on real data, in every local build of the image
its specs run it in, the way the runner runs it: only the job's inputs beside it (its code
input being the script's folder), the image's Python and pins, no project files on its path.
The XGBoost training stand-in trains the models the evaluations read, in the same builds.

Real data: the UCI abalone rows in data/abalone/, and the UCI iris rows that scikit-learn ships
(sklearn/datasets/data/iris.csv in the scikit-learn image's own package).
"""

import csv
import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, builds, python_of
from dagspec_standin.sagemaker import run_container, train_xgboost

SCRIPTS = ROOT / "ml-scripts"
CODE = "/opt/ml/processing/input/code"
SPECIES = ("Iris-setosa", "Iris-versicolor", "Iris-virginica")


def spec_scripts() -> dict[str, tuple[str, str]]:
    """Each processing script the specs run, with the framework and version of its image."""
    out = {}
    for file in sorted((ROOT / "dags-src").glob("*.yaml")):
        for task in (yaml.safe_load(file.read_text()).get("tasks") or {}).values():
            job = task.get("sagemaker.processing") or {}
            image = job.get("image")
            if job.get("script") and isinstance(image, dict):
                out[Path(job["script"]).name] = (image["framework"], image["version"])
    return out


def generations() -> list[str]:
    """The Python versions with a build of every image the scripts run in: 3.8 and 3.9."""
    images = set(spec_scripts().values())
    by_python: dict[str, set] = {}
    for b in builds():
        by_python.setdefault(b["python"], set()).add((b["framework"], b["version"]))
    return sorted(p for p, have in by_python.items() if images <= have)


def build_python(framework: str, version: str, python: str) -> str:
    return python_of(f"image-{framework}-{version}-py{python.replace('.', '')}")


def container(tmp: Path, inputs: dict[str, Path]) -> Path:
    """A container's file system: the code input is the shipped folder, the rest as given."""
    root = tmp / "container"
    shipped = root / CODE.lstrip("/")
    shutil.copytree(SCRIPTS, shipped, ignore=shutil.ignore_patterns("__pycache__", ".*", "*.pyc"))
    for name, source in inputs.items():
        target = root / "opt/ml/processing/input" / name
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target.mkdir(parents=True)
            shutil.copy(source, target / source.name)
    return root


def run_script(python: str, root: Path, script: str, environment: dict | None = None) -> str:
    app = {"ContainerEntrypoint": ["python3", f"{CODE}/{script}"]}
    code, last = run_container(python, root, app, environment, timeout=300)
    assert code == 0, f"{script} failed in {python} (exit {code}): {last}"
    return last


def train(python: str, tmp: Path, channels: dict[str, Path], hyperparameters: dict) -> Path:
    """model.tar.gz as the training stand-in writes it in the XGBoost image's Python."""
    folder = tmp / "channels"
    for name, source in channels.items():
        shutil.copytree(source, folder / name)
    code, last = train_xgboost(python, folder, tmp / "model", hyperparameters, 300, tmp / "home")
    assert code == 0, last
    archive = tmp / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tmp / "model" / "xgboost-model", arcname="xgboost-model")
    return archive


def iris_raw(sklearn_python: str, folder: Path) -> Path:
    """The 150 iris rows scikit-learn ships, as UCI publishes them: four measurements, a name."""
    located = subprocess.run(
        [sklearn_python, "-c", "import sklearn, os; print(os.path.dirname(sklearn.__file__))"],
        capture_output=True,
        text=True,
        check=True,
    )
    shipped = Path(located.stdout.strip()) / "datasets" / "data" / "iris.csv"
    rows = list(csv.reader(shipped.open()))[1:]  # its first row holds counts and class names
    folder.mkdir(parents=True)
    with (folder / "iris.data").open("w", newline="") as out:
        csv.writer(out).writerows([*r[:4], SPECIES[int(r[4])]] for r in rows)
    return folder


def abalone_splits(folder: Path) -> tuple[Path, Path]:
    """The abalone rows as XGBoost reads them (rings first, sex one-hot), 80/20 by row order."""
    rows = []
    for line in (ROOT / "data" / "abalone" / "abalone.data").read_text().splitlines():
        sex, *measures, rings = line.split(",")
        rows.append([rings, *(str(int(sex == s)) for s in "MFI"), *measures])
    train_dir, test_dir = folder / "train", folder / "test"
    for target, part in (
        (train_dir, rows[: len(rows) * 4 // 5]),
        (test_dir, rows[len(rows) * 4 // 5 :]),
    ):
        target.mkdir(parents=True)
        with (target / "data.csv").open("w", newline="") as out:
            csv.writer(out).writerows(part)
    return train_dir, test_dir


def report(root: Path) -> dict:
    return json.loads((root / "opt/ml/processing/output/evaluation/evaluation.json").read_text())


def test_every_script_of_ml_scripts_is_run_by_a_spec_in_an_image_with_local_builds():
    scripts = {p.name for p in SCRIPTS.glob("*.py") if '__name__ == "__main__"' in p.read_text()}
    assert set(spec_scripts()) == scripts
    assert generations() == ["3.8", "3.9"]


@pytest.mark.parametrize("python", generations())
def test_iris_is_split_trained_on_and_evaluated_in_each_build(python, tmp_path):
    frameworks = spec_scripts()
    sklearn = build_python(*frameworks["iris_preprocess.py"], python)
    xgboost = build_python(*frameworks["evaluate_classification.py"], python)

    split = container(tmp_path / "split", {"raw": iris_raw(sklearn, tmp_path / "raw")})
    run_script(sklearn, split, "iris_preprocess.py")
    out = split / "opt/ml/processing/output"
    counts = {
        n: len((out / n / "data.csv").read_text().splitlines())
        for n in ("train", "validation", "test")
    }
    assert sum(counts.values()) == 150 and min(counts.values()) > 0

    hyper = {"objective": "multi:softmax", "num_class": "3", "num_round": "50"}
    model = train(
        xgboost,
        tmp_path / "train",
        {"train": out / "train", "validation": out / "validation"},
        hyper,
    )
    evaluate = container(tmp_path / "evaluate", {"model": model, "test": out / "test"})
    run_script(xgboost, evaluate, "evaluate_classification.py")
    result = report(evaluate)
    assert result["rows"] == counts["test"]
    assert result["multiclass_classification_metrics"]["accuracy"]["value"] >= 0.8


@pytest.mark.parametrize("python", generations())
def test_abalone_is_trained_on_and_evaluated_in_each_build(python, tmp_path):
    xgboost = build_python(*spec_scripts()["evaluate_regression.py"], python)
    train_dir, test_dir = abalone_splits(tmp_path / "data")
    hyper = {"objective": "reg:squarederror", "max_depth": "5", "eta": "0.2", "num_round": "50"}
    model = train(xgboost, tmp_path / "train", {"train": train_dir}, hyper)
    evaluate = container(tmp_path / "evaluate", {"model": model, "test": test_dir})
    run_script(xgboost, evaluate, "evaluate_regression.py")
    rmse = report(evaluate)["regression_metrics"]["rmse"]["value"]
    assert 1.0 < rmse < 3.1  # the abalone pipeline's gate; predicting the mean gives 3.2
