"""Imports every DAG file of a folder in real Airflow and compares each DAG with the spec.

Usage: python check_dags.py DAG_FOLDER EXPECTED_JSON RESULT_JSON
EXPECTED_JSON maps a DAG file name to {"dag_id": ..., "tasks": {task_id: [upstream ids]}}.
Writes RESULT_JSON: import errors, graph mismatches, and each file's parse time (a file,
because Airflow logs to standard output).
"""

import json
import os
import sys
from pathlib import Path


def check(folder: str, expected: dict) -> dict:
    # Imported here so the module can be loaded without Airflow for its docstring.
    from airflow.models.dagbag import DagBag

    # Airflow puts the DAG folder on sys.path before parsing (Airflow 3: the bundle root), so
    # the runtime and helper modules shipped beside the DAGs import.
    if folder not in sys.path:
        sys.path.insert(0, folder)
    bag = DagBag(dag_folder=folder, include_examples=False, safe_mode=False)
    result: dict = {"import_errors": {}, "mismatches": [], "files": []}
    for path, error in sorted(bag.import_errors.items()):
        result["import_errors"][os.path.relpath(path, folder)] = error
    stats = {Path(s.file).name: s for s in bag.dagbag_stats}
    for file_name, want in sorted(expected.items()):
        stat = stats.get(file_name)
        seconds = stat.duration.total_seconds() if stat else None
        result["files"].append(
            {"file": file_name, "dag_id": want["dag_id"], "parse_seconds": seconds}
        )
        dag = bag.dags.get(want["dag_id"])
        if dag is None:
            result["mismatches"].append(f"{file_name}: DAG {want['dag_id']} was not loaded")
            continue
        got = {t.task_id: sorted(t.upstream_task_ids) for t in dag.tasks}
        wanted = {k: sorted(v) for k, v in want["tasks"].items()}
        if got != wanted:
            result["mismatches"].append(
                f"{file_name}: tasks and edges {got} differ from the spec's {wanted}"
            )
    extra = sorted(set(bag.dag_ids) - {w["dag_id"] for w in expected.values()})
    for dag_id in extra:
        result["mismatches"].append(f"DAG {dag_id} is not in any spec")
    return result


def main() -> int:
    folder, expected_path, result_path = sys.argv[1:4]
    expected = json.loads(Path(expected_path).read_text())
    Path(result_path).write_text(json.dumps(check(folder, expected)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
