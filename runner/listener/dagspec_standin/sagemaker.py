"""Stand-ins for SageMaker jobs: XGBoost training and `python3 <script>` processing, run
locally on xgboost (the runner's Python environment) against moto's S3."""

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
XGBOOST_IMAGE = "/sagemaker-xgboost:"
# One OpenMP thread: on a small machine shared with Airflow, moto and Spark, xgboost's threads
# contend (150 rounds took 8 s with two, 1.3 s with one). The model is the same either way.
ML_ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


def train(task, sandbox: Sandbox) -> str | None:
    config = task.config
    image = config["AlgorithmSpecification"].get("TrainingImage", "")
    if XGBOOST_IMAGE not in image:
        log.warning(
            "no local stand-in for training image %s: moto reports the job Completed "
            "without a model",
            image,
        )
        return None
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
    model_dir.mkdir(exist_ok=True)
    command = [
        sandbox.settings.ml_python,
        "-m",
        "dagspec_standin.xgboost_train",
        "--channels",
        str(channels),
        "--model-dir",
        str(model_dir),
        "--hyperparameters",
        json.dumps(config.get("HyperParameters", {})),
    ]
    limit = int(config.get("StoppingCondition", {}).get("MaxRuntimeInSeconds", 86400))
    code, last = _stream(command, limit, ML_ENV)
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
    return f"trained {name} locally on xgboost ({last}); model at s3://{bucket}/{key}"


def process(task, sandbox: Sandbox) -> str | None:
    config = task.config
    app = config["AppSpecification"]
    entry = list(app.get("ContainerEntrypoint") or [])
    if len(entry) < 2 or Path(entry[0]).name not in ("python", "python3"):
        log.warning(
            "no local stand-in for processing entry point %s: moto reports the job "
            "Completed without outputs",
            entry,
        )
        return None
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
    # Scripts name their container paths (/opt/ml/processing/...); here those are in the
    # sandbox, so the scripts' text is pointed there: the one change made to what runs.
    for script in root.rglob("*.py"):
        script.write_text(script.read_text().replace(CONTAINER_ROOT, f"{root}{CONTAINER_ROOT}"))
    outputs = config.get("ProcessingOutputConfig", {}).get("Outputs", [])
    for output in outputs:
        _container_path(root, output["S3Output"]["LocalPath"]).mkdir(parents=True, exist_ok=True)
    arguments = [*entry[1:], *app.get("ContainerArguments", [])]
    command = [
        sandbox.settings.ml_python,
        *[str(_container_path(root, a)) if a.startswith(CONTAINER_ROOT) else a for a in arguments],
    ]
    log.info("running processing job %s locally: %s", name, " ".join(command))
    limit = int(config.get("StoppingCondition", {}).get("MaxRuntimeInSeconds", 86400))
    started = time.monotonic()
    code, last = _stream(command, limit, ML_ENV)
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
        f"ran processing job {name} locally in {took:.1f}s; wrote {', '.join(written) or 'nothing'}"
    )


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
