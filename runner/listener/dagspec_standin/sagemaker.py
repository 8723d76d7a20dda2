"""Stand-ins for SageMaker jobs: XGBoost training and `python3 <script>` processing, run
locally against moto's S3 in the Python of the job's image.

Each framework image the run uses has a virtualenv with the image's Python version and its
package pins (pyenv/image-<framework>-<version>-py3X.txt); the runner passes their interpreters
in DAGSPEC_IMAGE_PYTHONS. A job's process sees what its container would: the inputs it was
given (a processing job's code input among them), the image's packages and environment
settings, the job's Environment, and nothing of Airflow's, the runner's or the project's
(no PYTHONPATH, no AWS credentials, a HOME of its own)."""

import json
import logging
import os
import tarfile
import time
from pathlib import Path

from dagspec_standin.glue import _stream
from dagspec_standin.sandbox import Sandbox, split_uri

log = logging.getLogger("dagspec.runner")

# Where SageMaker containers find their inputs and put their outputs.
CONTAINER_ROOT = "/opt/ml/"
XGBOOST_REPOSITORY = "/sagemaker-xgboost:"
# What plays the XGBoost algorithm's training code in the image's Python.
XGBOOST_TRAIN = Path(__file__).with_name("xgboost_train.py")
# The images' Dockerfiles set the first five (ENV). PYTHONNOUSERSITE keeps this machine's user
# site-packages out, which no image has. One OpenMP thread: on a small machine shared with
# Airflow, moto and Spark, xgboost's threads contend (150 rounds took 8 s with two, 1.3 s with
# one); the model is the same either way.
IMAGE_ENV = {
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONUNBUFFERED": "1",
    "PYTHONIOENCODING": "UTF-8",
    "PYTHONNOUSERSITE": "1",
    "OMP_NUM_THREADS": "1",
}


def image_python(image_pythons: dict, region: str, uri: str) -> tuple[str, str] | None:
    """The image at `uri` (framework:version) and its local build's Python, if the run has one."""
    from dagspec_runtime import image_uri  # beside the DAGs, on the task's path

    for key, python in image_pythons.items():
        framework, _, version = key.partition(":")
        if image_uri(framework, version, region) == uri:
            return key, python
    return None


def job_env(python: str, home: Path, environment: dict | None = None) -> dict:
    """The environment of a job's process: the image's settings and the job's Environment."""
    home.mkdir(parents=True, exist_ok=True)
    path = os.pathsep.join([str(Path(python).parent), "/usr/local/bin", "/usr/bin", "/bin"])
    return {"PATH": path, "HOME": str(home), **IMAGE_ENV, **(environment or {})}


def train_xgboost(
    python: str, channels: Path, model_dir: Path, hyperparameters: dict, timeout: int, home: Path
) -> tuple[int, str]:
    """Trains as the XGBoost image would, in its Python; returns the exit code and last line."""
    model_dir.mkdir(parents=True, exist_ok=True)
    command = [
        python,
        str(XGBOOST_TRAIN),
        "--channels",
        str(channels),
        "--model-dir",
        str(model_dir),
        "--hyperparameters",
        json.dumps(hyperparameters),
    ]
    return _stream(command, timeout, job_env(python, home), cwd=home)


def run_container(
    python: str, root: Path, app: dict, environment: dict | None, timeout: int
) -> tuple[int, str]:
    """Runs a processing job's `python3 <script>` entry point in the image's Python, with the
    container's file system under `root` (its inputs already there); returns the exit code and
    the last line of output."""
    # Scripts name their container paths (/opt/ml/processing/...); here those are in the
    # sandbox, so the scripts' text is pointed there: the one change made to what runs.
    for script in root.rglob("*.py"):
        script.write_text(script.read_text().replace(CONTAINER_ROOT, f"{root}{CONTAINER_ROOT}"))
    entry = list(app.get("ContainerEntrypoint") or [])
    arguments = [*entry[1:], *app.get("ContainerArguments", [])]
    command = [
        python,
        *[str(_container_path(root, a)) if a.startswith(CONTAINER_ROOT) else a for a in arguments],
    ]
    log.info("running in the image's Python: %s", " ".join(command))
    return _stream(command, timeout, job_env(python, root / "root", environment), cwd=root)


def train(task, sandbox: Sandbox) -> str | None:
    config = task.config
    settings = sandbox.settings
    image = config["AlgorithmSpecification"].get("TrainingImage", "")
    found = image_python(settings.image_pythons, settings.region, image)
    if found is None or not found[0].startswith("xgboost:"):
        if XGBOOST_REPOSITORY in image:
            raise ValueError(f"no local build of the training image {image} (pyenv/image-*.txt)")
        log.warning(
            "no local stand-in for training image %s: moto reports the job Completed "
            "without a model",
            image,
        )
        return None
    image_key, python = found
    name = _fresh_name(sandbox, config, "TrainingJobName", "describe_training_job")
    channels = sandbox.path / "input" / "data"
    for channel in config.get("InputDataConfig", []):
        content_type = channel.get("ContentType", "text/csv")
        if content_type != "text/csv":
            raise ValueError(
                f"channel {channel['ChannelName']} is {content_type}; the local "
                "XGBoost stand-in reads text/csv"
            )
        uri = channel["DataSource"]["S3DataSource"]["S3Uri"]
        if not sandbox.download(uri, channels / channel["ChannelName"]):
            raise ValueError(f"channel {channel['ChannelName']}: no objects under {uri}")
    model_dir = sandbox.path / "model"
    limit = int(config.get("StoppingCondition", {}).get("MaxRuntimeInSeconds", 86400))
    hyperparameters = config.get("HyperParameters", {})
    code, last = train_xgboost(
        python, channels, model_dir, hyperparameters, limit, sandbox.path / "home"
    )
    if code != 0:
        raise RuntimeError(f"training job {name} failed locally (exit {code}): {last}")
    archive = sandbox.path / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for file in sorted(model_dir.iterdir()):
            tar.add(file, arcname=file.name)
    # Where SageMaker writes the model, and where moto's DescribeTrainingJob says it is.
    output = config["OutputDataConfig"]["S3OutputPath"].rstrip("/")
    bucket, key = split_uri(f"{output}/{name}/output/model.tar.gz")
    sandbox.client("s3").upload_file(str(archive), bucket, key)
    return (
        f"trained {name} locally in {image_key}'s Python ({python_version(python)}): {last}; "
        f"model at s3://{bucket}/{key}"
    )


def process(task, sandbox: Sandbox) -> str | None:
    config = task.config
    settings = sandbox.settings
    app = config["AppSpecification"]
    entry = list(app.get("ContainerEntrypoint") or [])
    if len(entry) < 2 or Path(entry[0]).name not in ("python", "python3"):
        log.warning(
            "no local stand-in for processing entry point %s: moto reports the job "
            "Completed without outputs",
            entry,
        )
        return None
    found = image_python(settings.image_pythons, settings.region, app["ImageUri"])
    if found is None:
        raise ValueError(
            f"no local build of the processing image {app['ImageUri']} to run "
            f"{' '.join(entry)} in (pyenv/image-*.txt)"
        )
    image_key, python = found
    name = _fresh_name(sandbox, config, "ProcessingJobName", "describe_processing_job")
    root = sandbox.path / "container"
    for item in config.get("ProcessingInputs", []):
        s3_input = item.get("S3Input")
        if not s3_input:
            continue
        local = _container_path(root, s3_input["LocalPath"])
        uri = s3_input["S3Uri"]
        # A prefix fills the folder; an object (or a prefix without /) goes in by its name.
        target = local if uri.endswith("/") else local / Path(split_uri(uri)[1]).name
        if not sandbox.download(uri, target):
            raise ValueError(f"input {item['InputName']}: nothing at {uri}")
    outputs = config.get("ProcessingOutputConfig", {}).get("Outputs", [])
    for output in outputs:
        _container_path(root, output["S3Output"]["LocalPath"]).mkdir(parents=True, exist_ok=True)
    limit = int(config.get("StoppingCondition", {}).get("MaxRuntimeInSeconds", 86400))
    started = time.monotonic()
    code, last = run_container(python, root, app, config.get("Environment"), limit)
    if code != 0:
        raise RuntimeError(f"processing job {name} failed locally (exit {code}): {last}")
    written = []
    for output in outputs:
        s3_output = output["S3Output"]
        keys = sandbox.upload_tree(
            _container_path(root, s3_output["LocalPath"]), s3_output["S3Uri"]
        )
        written += keys
    took = time.monotonic() - started
    return (
        f"ran processing job {name} locally in {image_key}'s Python ({python_version(python)}) "
        f"in {took:.1f}s; wrote {', '.join(written) or 'nothing'}"
    )


def python_version(python: str) -> str:
    """The interpreter's version as its virtualenv records it (pyvenv.cfg), e.g. Python 3.9.18."""
    config = Path(python).parent.parent / "pyvenv.cfg"
    for line in config.read_text().splitlines() if config.exists() else []:
        key, _, value = line.partition("=")
        if key.strip() in ("version", "version_info"):
            return f"Python {value.strip()}"
    return Path(python).name


def _container_path(root: Path, path: str) -> Path:
    return root / path.lstrip("/")


def _fresh_name(sandbox: Sandbox, config: dict, key: str, describe: str) -> str:
    """The job's name, made unique if moto already has a job of that name (a retry after the
    job was created): the operator then uses it as it is, so outputs land under that name."""
    name = config[key]
    client = sandbox.client("sagemaker")
    try:
        getattr(client, describe)(**{key: name})
    except client.exceptions.ClientError:
        return name
    except Exception:  # noqa: BLE001 - a missing job can surface as another error in moto
        return name
    fresh = f"{name[:50]}-{int(time.time())}"
    config[key] = fresh
    return fresh
