"""Airflow for tests: a throw-away AIRFLOW_HOME, no examples, and the generated runtime and
helper modules importable, as they are from the DAG folder on MWAA."""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "generated-dags"

_home = tempfile.mkdtemp(prefix="dagspec-airflow-home-")
os.environ["AIRFLOW_HOME"] = _home
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(GENERATED)
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_home}/airflow.db"
sys.path.insert(0, str(GENERATED))
