"""Stand-ins for Glue: a crawler that records delimited text in moto's catalog, and job runs
on local PySpark through glue-jobs/local/run_job.py."""

import json
import logging
import subprocess
import sys
import zipfile
from pathlib import Path

from dagspec_standin import crawler
from dagspec_standin.sandbox import Sandbox, list_objects, snapshot, split_uri

log = logging.getLogger("dagspec.runner")

# The start of each object the crawler reads, and how many objects per table.
SAMPLE_BYTES = 64 * 1024
SAMPLE_OBJECTS = 10


def crawl(task, sandbox: Sandbox) -> str:
    name = task.config["Name"]
    glue = sandbox.client("glue")
    definition = glue.get_crawler(Name=name)["Crawler"]
    database = definition["DatabaseName"]
    s3 = sandbox.client("s3")
    written = []
    for target in definition.get("Targets", {}).get("S3Targets", []):
        bucket, prefix = split_uri(target["Path"])
        objects = [o for o in list_objects(s3, bucket, prefix) if not o["Key"].endswith("/")]
        if not objects:
            log.info("crawler %s: nothing under %s, no table", name, target["Path"])
            continue
        samples = [
            s3.get_object(Bucket=bucket, Key=o["Key"], Range=f"bytes=0-{SAMPLE_BYTES - 1}")["Body"]
            .read()
            .decode("utf-8", errors="replace")
            for o in objects[:SAMPLE_OBJECTS]
        ]
        table_name = crawler.table_name(prefix, definition.get("TablePrefix", ""))
        table = crawler.classify(table_name, target["Path"], samples)
        table_input = table.table_input()
        try:
            glue.create_table(DatabaseName=database, TableInput=table_input)
        except glue.exceptions.AlreadyExistsException:
            glue.update_table(DatabaseName=database, TableInput=table_input)
        columns = ", ".join(f"{n} {t}" for n, t in table.columns)
        log.info(
            "crawler %s: table %s.%s (%s) at %s",
            name,
            database,
            table_name,
            columns,
            table.location,
        )
        written.append(f"{database}.{table_name}")
    # moto's crawl finishes as soon as it starts, but it has no GetCrawlerMetrics, which the
    # operator calls after waiting: the crawl above is done, so the operator need not wait.
    task.wait_for_completion = False
    tables = ", ".join(written) or "no table"
    return f"crawled {len(written)} S3 target(s) locally: {tables}"


def run_job(task, sandbox: Sandbox) -> str:
    settings = sandbox.settings
    glue = sandbox.client("glue")
    job = glue.get_job(JobName=task.job_name)["Job"]
    arguments = {**job.get("DefaultArguments", {}), **(task.script_args or {})}

    work = sandbox.path / "job"
    work.mkdir(exist_ok=True)
    script = work / Path(split_uri(job["Command"]["ScriptLocation"])[1]).name
    sandbox.download(job["Command"]["ScriptLocation"], script)
    # Glue puts --extra-py-files on the path; run_job.py puts the script's folder there.
    for uri in filter(None, arguments.pop("--extra-py-files", "").split(",")):
        archive = work / Path(split_uri(uri)[1]).name
        sandbox.download(uri, archive)
        with zipfile.ZipFile(archive) as z:
            z.extractall(work)

    catalog = _catalog(sandbox, set(arguments.values()))
    roots = []
    job_args = []
    for name, value in arguments.items():
        if isinstance(value, str) and value.startswith("s3://"):
            sandbox.download(value)
            local = sandbox.local(value)
            local.parent.mkdir(parents=True, exist_ok=True)
            roots.append(local)
            value = sandbox.local_text(value)
        job_args += [name, str(value)]
    roots += [Path(t["location"]) for tables in catalog.values() for t in tables.values()]
    catalog_file = work / "catalog.json"
    catalog_file.write_text(json.dumps(catalog, indent=2))
    before = snapshot(roots)

    command = [
        settings.glue_python,
        str(settings.root / "glue-jobs" / "local" / "run_job.py"),
        "--catalog",
        str(catalog_file),
        str(script),
        *job_args,
        "--JOB_NAME",
        task.job_name,
    ]
    log.info("running Glue job %s locally: %s", task.job_name, " ".join(command))
    timeout = 60 * int(job.get("Timeout") or 2880)
    code, last = _stream(command, timeout)
    uploaded, deleted = _sync_back(sandbox, roots, before)
    if code != 0:
        raise RuntimeError(f"Glue job {task.job_name} failed locally (exit {code}): {last}")
    return (
        f"ran Glue job {task.job_name} locally on PySpark: "
        f"{uploaded} object(s) written, {deleted} removed in moto's S3"
    )


def _catalog(sandbox: Sandbox, values: set) -> dict:
    """The catalog file run_job.py reads, for the databases the job's arguments name: each
    table of moto's catalog, its data downloaded to its local location."""
    glue = sandbox.client("glue")
    catalog: dict = {}
    for database in glue.get_databases()["DatabaseList"]:
        if database["Name"] not in values:
            continue
        tables = glue.get_tables(DatabaseName=database["Name"])["TableList"]
        for table in tables:
            descriptor = table.get("StorageDescriptor", {})
            location = descriptor.get("Location", "")
            if not location.startswith("s3://"):
                continue
            sandbox.download(location)
            serde = descriptor.get("SerdeInfo", {}).get("Parameters", {})
            parameters = table.get("Parameters", {})
            catalog.setdefault(database["Name"], {})[table["Name"]] = {
                "location": sandbox.local_text(location),
                "format": parameters.get("classification", "csv"),
                "delimiter": serde.get("field.delim", ","),
                "header": parameters.get("skip.header.line.count") == "1",
                "columns": [[c["Name"], c["Type"]] for c in descriptor.get("Columns", [])],
            }
    return catalog


def _stream(
    command: list[str], timeout: int, env: dict | None = None, cwd: Path | None = None
) -> tuple[int, str]:
    """Runs a command, its output into the task log; returns its exit code and last line."""
    last = ""
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        env=env,
        cwd=cwd,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            line = line.rstrip()
            if line:
                last = line
                print(line, file=sys.stdout, flush=True)
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            return 1, f"timed out after {timeout} s"
    return code, last


def _sync_back(sandbox: Sandbox, roots: list[Path], before: dict[Path, str]) -> tuple[int, int]:
    """Uploads the files the job wrote under the mapped locations and deletes in S3 the ones it
    removed, as the job would have done in S3 (also when it failed half way)."""
    after = snapshot(roots)
    s3 = sandbox.client("s3")
    base = sandbox.path / "s3"
    uploaded = 0
    for file, digest in sorted(after.items()):
        if before.get(file) != digest:
            bucket, _, key = file.relative_to(base).as_posix().partition("/")
            s3.upload_file(str(file), bucket, key)
            uploaded += 1
    deleted = 0
    for file in sorted(set(before) - set(after)):
        bucket, _, key = file.relative_to(base).as_posix().partition("/")
        s3.delete_object(Bucket=bucket, Key=key)
        deleted += 1
    return uploaded, deleted
