"""What the runner tells the listener, through environment variables it sets for Airflow."""

import json
import os
from dataclasses import dataclass
from pathlib import Path

# The Airflow connection whose endpoint answers every AWS call with an error (`--fail`).
FAIL_CONNECTION = "dagspec_fail"


@dataclass(frozen=True)
class Settings:
    root: Path  # the dagspec checkout: glue-jobs/local/run_job.py lives there
    run_dir: Path  # work folders of this run's tasks
    events: Path | None  # JSON lines the runner reads to show progress
    endpoint: str  # moto
    region: str
    glue_python: str  # PySpark for Glue jobs
    # The Python of each SageMaker framework image the run uses ("xgboost:1.7-1"): a
    # virtualenv with the image's Python and pins (pyenv/image-*.txt).
    image_pythons: dict

    @classmethod
    def from_env(cls) -> "Settings":
        env = os.environ
        events = env.get("DAGSPEC_EVENTS")
        return cls(
            root=Path(env["DAGSPEC_ROOT"]),
            run_dir=Path(env["DAGSPEC_RUN_DIR"]),
            events=Path(events) if events else None,
            endpoint=env["DAGSPEC_AWS_ENDPOINT"],
            region=env.get("AWS_DEFAULT_REGION", "us-east-1"),
            glue_python=env["DAGSPEC_GLUE_PYTHON"],
            image_pythons=json.loads(env.get("DAGSPEC_IMAGE_PYTHONS", "{}")),
        )

    def client(self, service: str):
        import boto3

        return boto3.client(service, endpoint_url=self.endpoint, region_name=self.region)


def fail_target() -> tuple[str, str] | None:
    """The (dag id, task id) whose AWS calls `--fail` makes fail, if any."""
    raw = os.environ.get("DAGSPEC_FAIL")
    if not raw:
        return None
    target = json.loads(raw)
    return target["dag"], target["task"]
