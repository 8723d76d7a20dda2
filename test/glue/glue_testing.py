"""Paths, Spark settings and output readers shared by the Glue job tests.

Importing this module puts the transforms (glue-jobs/, for dagspec_glue) and the awsglue shim
(glue-jobs/local) on sys.path, as run_job.py does for the entry points; the shim is never
installed.
"""

import csv
import glob
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GLUE_JOBS = ROOT / "glue-jobs"
LOCAL = GLUE_JOBS / "local"
RUN_JOB = LOCAL / "run_job.py"
ABALONE = ROOT / "data" / "abalone" / "abalone.data"

for _path in (str(LOCAL), str(GLUE_JOBS)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

# Settings that keep a small local Spark quick, for the test session and the subprocess runs.
SPARK_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.session.timeZone": "UTC",
    # Short runs spend their time compiling; the quick JIT tier is enough for them.
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1",
}


def read_csv_folder(folder) -> list[list[str]]:
    """All rows of the part files Spark wrote in ``folder``, as lists of strings."""
    rows = []
    for part in sorted(glob.glob(os.path.join(folder, "part-*"))):
        with open(part, newline="") as file:
            rows.extend(csv.reader(file))
    return rows


def read_json_folder(folder) -> list[dict]:
    """All JSON-lines records of the part files Spark wrote in ``folder``."""
    records = []
    for part in sorted(glob.glob(os.path.join(folder, "part-*"))):
        with open(part) as file:
            records.extend(json.loads(line) for line in file if line.strip())
    return records


def read_json(path) -> dict:
    with open(path) as file:
        return json.load(file)
