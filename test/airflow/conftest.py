"""Airflow for tests: a throw-away AIRFLOW_HOME, no examples, and the DAG folder on sys.path
(as Airflow puts it there before parsing), so the runtime and helper modules import.

DAGSPEC_DAGS names the DAG folder under test (default generated-dags/, compiled for Airflow
2.10); DAGSPEC_AIRFLOW names the Airflow version it was compiled for (default 2.10).
"""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GENERATED = Path(os.environ.get("DAGSPEC_DAGS", ROOT / "generated-dags")).resolve()
TARGET = os.environ.get("DAGSPEC_AIRFLOW", "2.10")

_home = tempfile.mkdtemp(prefix="dagspec-airflow-home-")
os.environ["AIRFLOW_HOME"] = _home
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(GENERATED)
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_home}/airflow.db"
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
# The AWS connection as an environment variable, so hooks need no metadata database.
os.environ.setdefault(
    "AIRFLOW_CONN_AWS_DEFAULT", '{"conn_type": "aws", "extra": {"region_name": "us-east-1"}}'
)
sys.path.insert(0, str(GENERATED))
