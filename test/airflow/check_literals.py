"""Checks the compiler's escaping with real Python and Airflow's own Jinja environment.

Usage: python check_literals.py CASES_JSON
CASES_JSON holds:
  "strings":   [[python_literal, expected]]: ast.literal_eval(literal) must equal expected;
  "templates": [[python_literal, expected]]: the literal's value, rendered by Airflow's
               template environment, must equal expected;
  "files":     [[dag_file, expectations]]: values read back from a compiled DAG file (see
               read_dag_values) must equal expectations.
Prints one line per failure and exits 1 if any; else prints how many values were checked.
"""

import ast
import json
import sys
from pathlib import Path


def template_env():
    from airflow import DAG

    return DAG("escape_check", schedule=None).get_template_env()


def keywords(call: ast.Call) -> dict[str, ast.expr]:
    return {k.arg: k.value for k in call.keywords if k.arg}


def read_dag_values(source: str) -> dict:
    """Pulls the values that hold spec strings out of a compiled DAG file's syntax tree."""
    tree = ast.parse(source)
    with_stmt = next(n for n in tree.body if isinstance(n, ast.With))
    dag = keywords(with_stmt.items[0].context_expr)
    default_args = dag["default_args"]
    owner = next(v for k, v in zip(default_args.keys, default_args.values) if k.value == "owner")
    values: dict = {
        "description": ast.literal_eval(dag["description"]),
        "doc_md": ast.literal_eval(dag["doc_md"]),
        "tags": ast.literal_eval(dag["tags"]),
        "owner": ast.literal_eval(owner),
    }
    if "params" in dag:
        param_call = dag["params"].values[0]
        values["param_default"] = ast.literal_eval(param_call.args[0])
        values["param_description"] = ast.literal_eval(keywords(param_call)["description"])
    for stmt in with_stmt.body:
        if not (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call)):
            continue
        task = keywords(stmt.value)
        if "doc_md" in task:
            values["task_doc"] = ast.literal_eval(task["doc_md"])
        if "script_args" in task:
            values["script_args"] = ast.literal_eval(task["script_args"])
        if "op_kwargs" in task:
            values["kwargs"] = ast.literal_eval(task["op_kwargs"])["arguments"]
    return values


def main() -> int:
    cases = json.loads(Path(sys.argv[1]).read_text())
    env = template_env()
    failures: list[str] = []
    checked = 0
    for literal, expected in cases.get("strings", []):
        checked += 1
        got = ast.literal_eval(literal)
        if got != expected:
            failures.append(f"literal {literal!r} gave {got!r}, expected {expected!r}")
    for literal, expected in cases.get("templates", []):
        checked += 1
        got = env.from_string(ast.literal_eval(literal)).render()
        if got != expected:
            failures.append(f"template {literal!r} rendered {got!r}, expected {expected!r}")
    for dag_file, expected in cases.get("files", []):
        values = read_dag_values(Path(dag_file).read_text(encoding="utf-8"))
        for key, want in expected.items():
            if key in ("script_args", "kwargs"):
                for name, value in want.items():
                    checked += 1
                    got = env.from_string(values[key][name]).render()
                    if got != value:
                        failures.append(
                            f"{dag_file} {key}[{name}] rendered {got!r}, want {value!r}"
                        )
            elif key == "spec_text":
                checked += 1
                if want not in values["doc_md"]:
                    failures.append(f"{dag_file}: doc_md does not hold the spec text")
            else:
                checked += 1
                if values[key] != want:
                    failures.append(f"{dag_file} {key} is {values[key]!r}, want {want!r}")
    for line in failures[:20]:
        print(line)
    print(f"checked {checked} values: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
