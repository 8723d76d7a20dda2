"""Tests of what SageMaker's images give a job, run in the SageMaker SDK's virtualenv
(pyenv/sagemaker-sdk.txt): the image URIs against the SDK's own resolution, and the processing
scripts and the training stand-in in every local build of their images (pyenv/image-*.txt)."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYENV = ROOT / "pyenv"

# What the runner puts on the task's path: the runtime (with its image data) and the stand-ins.
sys.path.insert(0, str(ROOT / "compiler" / "runtime"))
sys.path.insert(0, str(ROOT / "runner" / "listener"))
os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")

BUILD = re.compile(r"^image-(?P<framework>[a-z]+)-(?P<version>[\w.-]+)-py(?P<python>\d+)\.txt$")


def builds() -> list[dict]:
    """Every local build of an image: its requirement file, framework, version and Python."""
    out = []
    for file in sorted(PYENV.glob("image-*.txt")):
        m = BUILD.match(file.name)
        assert m, f"{file.name} is not named image-<framework>-<version>-py<XY>.txt"
        python = m["python"]
        out.append({**m.groupdict(), "name": file.stem, "python": f"{python[0]}.{python[1:]}"})
    return out


def ensure(name: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(PYENV / "ensure"), name], capture_output=True, text=True, env=env
    )


def python_of(name: str) -> str:
    """The interpreter of a pyenv environment, built on first use (cached)."""
    done = ensure(name)
    assert done.returncode == 0, done.stderr
    return str(Path(done.stdout.strip()) / "bin" / "python")
