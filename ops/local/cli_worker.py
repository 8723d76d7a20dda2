"""Runs Airflow CLI commands for the MWAA-compatible endpoint of `dagspec up`.

One process imports Airflow once and runs each command as `airflow <args>` would, through
Airflow's own argument parser and command functions, so a command takes a fraction of a second
instead of an interpreter start. Reads one JSON list of arguments per line on stdin and answers
one JSON line {"stdout", "stderr", "code"} per command. The endpoint decides which commands may
run (ops/allowed.ts); this process runs what it is given.
"""

import contextlib
import io
import json
import os
import sys
import traceback


def run(parser, argv: list[str]) -> dict:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            args = parser.parse_args(argv)
            args.func(args)
        except SystemExit as e:
            if isinstance(e.code, int):
                code = e.code
            elif e.code is not None:
                print(e.code, file=sys.stderr)
                code = 1
        except Exception:
            traceback.print_exc()
            code = 1
        finally:
            from airflow import settings

            # Each command gets a fresh database session, as a new process would.
            if getattr(settings, "Session", None) is not None:
                settings.Session.remove()
    return {"stdout": out.getvalue(), "stderr": err.getvalue(), "code": code}


def main() -> None:
    answers = os.fdopen(os.dup(1), "w")
    # Whatever writes to file descriptor 1 directly goes to the log, not into the answers.
    os.dup2(2, 1)
    from airflow.cli import cli_parser

    parser = cli_parser.get_parser()
    answers.write(json.dumps({"ready": True}) + "\n")
    answers.flush()
    for line in sys.stdin:
        if line.strip():
            answers.write(json.dumps(run(parser, json.loads(line))) + "\n")
            answers.flush()


if __name__ == "__main__":
    main()
