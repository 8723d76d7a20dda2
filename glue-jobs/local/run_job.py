"""Run a Glue entry point locally, through the awsglue shim, on a local SparkSession.

    python glue-jobs/local/run_job.py [--master local[2]] [--conf key=value ...]
        [--catalog catalog.json] SCRIPT.py [--job-arg value ...]

Everything after SCRIPT.py is passed to the script as its sys.argv, as Glue passes job
arguments; ``--JOB_NAME`` is added (the script's file name) when not given. The script runs
as ``__main__``, exactly as Glue runs it, with:
- glue-jobs/local on sys.path, so ``import awsglue`` finds the shim;
- the script's own folder on sys.path, standing in for Glue's --extra-py-files (the zip of
  dagspec_glue that the stack uploads);
- DAGSPEC_GLUE_CATALOG set from --catalog (the shim's stand-in for the Data Catalog).

Locations must be local paths: an s3:// (s3a://, s3n://) job argument is refused before Spark
starts. The check lives in awsglue/_local.py, where a later s3:// -> s3a:// mapping would go.

Exit status: the script's own, 0 when it returns, 1 when it raises (the traceback and a last
line ``run_job: SCRIPT failed: <message>`` go to stderr), 2 for a usage error.
"""

import argparse
import os
import runpy
import sys
import traceback
from pathlib import Path

LOCAL = Path(__file__).resolve().parent


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="run_job.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    parser.add_argument(
        "--conf", action="append", default=[], metavar="KEY=VALUE", help="extra Spark setting"
    )
    parser.add_argument("--catalog", help="JSON file standing in for the Glue Data Catalog")
    parser.add_argument("script", help="the Glue entry point to run")
    parser.add_argument("job_args", nargs=argparse.REMAINDER, help="the job's arguments")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    options = parse(argv)
    script = Path(options.script).resolve()
    if not script.is_file():
        print(f"run_job: no such script {options.script}", file=sys.stderr)
        return 2

    sys.path[:0] = [str(LOCAL), str(script.parent)]
    from awsglue._local import is_object_store  # the shim, now importable

    remote = [arg for arg in options.job_args if is_object_store(arg.split("=", 1)[-1])]
    if remote:
        print(
            f"run_job: local runs read and write local paths only; got {', '.join(remote)}",
            file=sys.stderr,
        )
        return 2
    job_args = list(options.job_args)
    if not any(a == "--JOB_NAME" or a.startswith("--JOB_NAME=") for a in job_args):
        job_args += ["--JOB_NAME", script.stem]
    if options.catalog:
        os.environ["DAGSPEC_GLUE_CATALOG"] = str(Path(options.catalog).resolve())
    # Python workers (if a job ever needs them) must run this same interpreter.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(options.master)
        .appName(script.stem)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.sql.session.timeZone", "UTC")
    )
    for setting in options.conf:
        key, sep, value = setting.partition("=")
        if not sep:
            print(f"run_job: --conf wants KEY=VALUE, got {setting!r}", file=sys.stderr)
            return 2
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")

    sys.argv = [str(script), *job_args]
    try:
        runpy.run_path(str(script), run_name="__main__")
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except Exception as error:  # any failure of the job: report it, exit 1
        traceback.print_exc()
        print(f"run_job: {script.name} failed: {error}", file=sys.stderr)
        return 1
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
