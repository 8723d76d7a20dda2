"""The local builds of SageMaker's images (pyenv/image-*.txt): the Python and pins each names,
what a job run in one sees, and what a machine without the interpreter is told."""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, builds, ensure, python_of
from dagspec_standin.sagemaker import run_container

BUILDS = builds()
NAMES = [b["name"] for b in BUILDS]
PROBE = """
import importlib, json, os, sys, tarfile
found = {}
for name in ("dagspec_standin", "dagspec_runtime", "airflow", "boto3", "xgboost_evaluation"):
    try:
        importlib.import_module(name)
        found[name] = True
    except ImportError:
        found[name] = False
from importlib import metadata
print(json.dumps({
    "version": list(sys.version_info[:2]),
    "path": sys.path,
    "env": sorted(os.environ),
    "imports": found,
    "packages": {d.metadata["Name"].lower(): d.version for d in metadata.distributions()},
    "tar_filters": hasattr(tarfile, "data_filter"),
}))
"""


def pins(name: str) -> dict[str, str]:
    text = (ROOT / "pyenv" / f"{name}.txt").read_text()
    return {m[1].lower(): m[2] for m in re.finditer(r"^([A-Za-z0-9_.-]+)==(\S+)$", text, re.M)}


def probe(name: str, tmp: Path) -> dict:
    root = tmp / "container"
    code = root / "opt/ml/processing/input/code"
    code.mkdir(parents=True)
    (code / "probe.py").write_text(PROBE)
    (code / "xgboost_evaluation.py").write_text("")  # a neighbour in the shipped folder
    app = {"ContainerEntrypoint": ["python3", "/opt/ml/processing/input/code/probe.py"]}
    exit_code, last = run_container(python_of(name), root, app, {"RUN_ID": "7"}, timeout=120)
    assert exit_code == 0, last
    return json.loads(last)


@pytest.mark.parametrize("name", NAMES)
def test_a_job_runs_on_the_builds_python_with_its_pins_and_sees_only_what_it_was_given(
    name, tmp_path
):
    build = next(b for b in BUILDS if b["name"] == name)
    seen = probe(name, tmp_path)
    assert ".".join(map(str, seen["version"])) == build["python"]
    wanted = pins(name)
    assert {p: seen["packages"].get(p) for p in wanted} == wanted
    # Its own folder comes first, so it imports its neighbours; nothing of the project, Airflow
    # or the runner is on its path or in its environment.
    assert seen["imports"] == {
        "dagspec_standin": False,
        "dagspec_runtime": False,
        "airflow": False,
        "boto3": False,
        "xgboost_evaluation": True,
    }
    assert seen["path"][0].endswith("/container/opt/ml/processing/input/code")
    assert not [p for p in seen["path"] if p.startswith(str(ROOT))]
    assert not [v for v in seen["env"] if v.startswith(("AWS_", "AIRFLOW", "DAGSPEC_"))]
    assert "PYTHONPATH" not in seen["env"] and "RUN_ID" in seen["env"]


@pytest.mark.parametrize("name", [b["name"] for b in BUILDS if b["python"] == "3.8"])
def test_builds_on_python_3_8_refuse_the_tarfile_filters_that_3_8_13_lacks(name, tmp_path):
    seen = probe(name, tmp_path)
    assert seen["tar_filters"] is False
    script = tmp_path / "extract.py"
    script.write_text(
        "import tarfile, sys\n"
        "with tarfile.open(sys.argv[1], 'w') as t: pass\n"
        "with tarfile.open(sys.argv[1]) as t: t.extractall('.', filter='data')\n"
    )
    done = subprocess.run(
        [python_of(name), str(script), str(tmp_path / "a.tar")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 1
    assert "extractall() got an unexpected keyword argument 'filter'" in done.stderr


def test_a_machine_without_the_interpreter_is_told_which_one_in_one_line(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PYENV_ROOT": str(tmp_path / "no-pyenv"),
        "DAGSPEC_CACHE": str(tmp_path / "cache"),
    }
    assert not any(Path(d, "python3.8").exists() for d in env["PATH"].split(os.pathsep))
    done = ensure("image-xgboost-1.7-1-py38", env)
    assert done.returncode == 3
    assert done.stderr.count("\n") == 1
    assert "needs Python 3.8, which this machine lacks" in done.stderr
    assert not (tmp_path / "cache" / "venvs").exists() or not any(
        (tmp_path / "cache" / "venvs").iterdir()
    )
