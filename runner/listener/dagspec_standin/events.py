"""Task events for the runner's progress display, appended as JSON lines."""

import json
import os
import time
from pathlib import Path


def record(path: Path | None, event: str, task_instance, **extra) -> None:
    if path is None:
        return
    line = {
        "event": event,
        "dag": task_instance.dag_id,
        "task": task_instance.task_id,
        "try": task_instance.try_number,
        "state": _text(getattr(task_instance, "state", None)),
        "time": time.time(),
        **extra,
    }
    # One write of one line: appends from the task process stay whole.
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, default=str) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _text(state) -> str:
    """A state as Airflow writes it: up_for_retry (Airflow 3 hands over the enum)."""
    return str(getattr(state, "value", state) or "")
