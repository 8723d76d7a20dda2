"""Imports compiled DAGs in real Airflow and checks that each can work, in one process.

Usage: python check_compiled.py DAG_FOLDER CASES_JSON OUT_JSON
CASES_JSON: {"classes": [module:Name, ...], "files": {file name: [hostile string, ...]}}
For every DAG file: it imports without error as one DAG, serializes as the scheduler does, a
scheduled DAG has a next run, every template field of every task and of the failure notifier
renders, and each hostile string of the file comes back literally (nothing of Jinja in it is
evaluated: the Variable `x` holds a marker that must appear nowhere). OUT_JSON gets the
problems found and the facts of facts.py for the classes.
"""

import json
import os
import re
import sys
from pathlib import Path

SECRET = "SECRET-VALUE-OF-X"
os.environ["AIRFLOW_VAR_X"] = SECRET

import facts  # noqa: E402
from airflow.models.dagbag import DagBag  # noqa: E402
from airflow.serialization.serialized_objects import SerializedDAG  # noqa: E402
from airflow.timetables.base import TimeRestriction  # noqa: E402
from airflow.utils.context import VariableAccessor  # noqa: E402


class FakeXCom:
    def __init__(self, path: str) -> None:
        self.path = path

    def __getitem__(self, key):
        return FakeXCom(f"{self.path}.{key}")

    def __str__(self) -> str:
        return f"xcom:{self.path}"


class FakeTaskInstance:
    task_id = "some_task"
    log_url = "http://airflow/log"

    def xcom_pull(self, task_ids):
        return FakeXCom(task_ids)


def strings(value):
    """Every string in a rendered value; JSON text (a rendered payload) is read too."""
    if isinstance(value, str):
        yield value
        try:
            parsed = json.loads(value)
        except ValueError:
            return
        if isinstance(parsed, dict | list):
            yield from strings(parsed)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from strings(k)
            yield from strings(v)
    elif isinstance(value, list | tuple | set):
        for v in value:
            yield from strings(v)


def check_dag(dag, hostile: list[str]) -> list[str]:
    problems = []
    try:
        SerializedDAG.to_dict(dag)
    except Exception as e:  # noqa: BLE001 - any failure is the finding
        problems.append(f"does not serialize: {e!r}"[:300])
    if dag.timetable.can_be_scheduled:
        try:
            restriction = TimeRestriction(dag.start_date, None, dag.catchup)
            info = dag.timetable.next_dagrun_info(
                last_automated_data_interval=None, restriction=restriction
            )
            if info is None:
                problems.append("its schedule never gives a run")
        except Exception as e:  # noqa: BLE001
            problems.append(f"next run fails: {e!r}"[:300])
    context = {
        "dag": dag,
        "ti": FakeTaskInstance(),
        "var": {"value": VariableAccessor(deserialize_json=False)},
        "params": dag.params.dump(),
        "ds": "2024-05-06",
        "ts_nodash": "20240506T000000",
        "run_id": "manual__2024-05-06",
    }
    pool = [dag.description or "", dag.doc_md or "", *dag.tags]
    for name, param in dag.params.items():
        pool += [name, str(param.value), str(param.description)]
    callbacks = dag.on_failure_callback or []
    renderables = [*dag.tasks, *(callbacks if isinstance(callbacks, list) else [callbacks])]
    for obj in renderables:
        label = getattr(obj, "task_id", type(obj).__name__)
        pool += [str(getattr(obj, "doc_md", "") or ""), str(getattr(obj, "owner", ""))]
        try:
            obj.render_template_fields(context)
        except Exception as e:  # noqa: BLE001
            problems.append(f"{label}: rendering fails: {e!r}"[:300])
            continue
        for field in obj.template_fields:
            pool += list(strings(getattr(obj, field, None)))
    text = "\n".join(pool)
    if SECRET in text:
        problems.append("a hostile string was rendered as Jinja: the Variable's value appears")
    for h in hostile:
        if h not in text:
            problems.append(f"not rendered back literally: {h!r}")
    return problems


def main() -> int:
    folder, cases_file, out_file = sys.argv[1:4]
    cases = json.loads(Path(cases_file).read_text())
    # The stack publishes every Variable the DAGs read; here each holds its own name.
    for dag_file in Path(folder).glob("*.py"):
        for name in re.findall(r"var\.value\.([a-z0-9_]+)", dag_file.read_text(encoding="utf-8")):
            if name != "x":
                os.environ[f"AIRFLOW_VAR_{name.upper()}"] = f"value-of-{name}"
    sys.path.insert(0, folder)
    bag = DagBag(dag_folder=folder, include_examples=False, safe_mode=False)
    result = {
        "facts": facts.collect(cases["classes"]),
        "import_errors": {Path(k).name: v[-600:] for k, v in bag.import_errors.items()},
        "problems": {},
    }
    for name, hostile in cases["files"].items():
        dags = [d for d in bag.dags.values() if Path(d.fileloc).name == name]
        if len(dags) != 1:
            if name not in result["import_errors"]:
                result["problems"][name] = [f"defines {len(dags)} DAGs"]
            continue
        problems = check_dag(dags[0], hostile)
        if problems:
            result["problems"][name] = problems
    Path(out_file).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
