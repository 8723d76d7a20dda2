"""Loads dagfactory_abalone.yml with dag-factory 1.1.0 (bench/parse), as dag-factory's docs show.

The YAML sits beside this file; CONFIG_ROOT_DIR (expanded by dag-factory inside the YAML) is
this folder unless already set. The words airflow and DAG appear here so that Airflow's
safe-mode heuristic does not skip the file.
"""

import os
from pathlib import Path

from dagfactory import load_yaml_dags

CONFIG_ROOT_DIR = Path(os.environ.setdefault("CONFIG_ROOT_DIR", str(Path(__file__).parent)))

load_yaml_dags(
    globals_dict=globals(),
    config_filepath=str(CONFIG_ROOT_DIR / "dagfactory_abalone.yml"),
)
