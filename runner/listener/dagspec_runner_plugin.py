"""Airflow plugin of dagspec's local runner (`dagspec run`, `dagspec up`).

The runner copies this file into its AIRFLOW_HOME/plugins and puts runner/listener on
PYTHONPATH. It registers one listener, dagspec_standin.listener, which records task events for
the runner's progress display and does, in the task's own process, the work that moto does not
do (see dagspec_standin/__init__.py).
"""

from airflow.plugins_manager import AirflowPlugin
from dagspec_standin import listener


class DagspecRunnerPlugin(AirflowPlugin):
    name = "dagspec_runner"
    listeners = [listener]
