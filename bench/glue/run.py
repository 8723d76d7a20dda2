"""Benchmark: dagspec's abalone Glue transform against the book's toPandas() job, local Spark.

    $(pyenv/ensure glue-bench)/bin/python bench/glue/run.py [--sizes 1000000,5000000,20000000]
        [--driver-memory 2g] [--approaches ours,book] [--timeout 1800] [--workdir DIR] [--keep]

For each size, the real abalone data (data/abalone/abalone.data) is replicated to that many
rows with Spark, each copy's measurements shifted by a tiny per-copy amount so de-duplication
does not collapse them (1 row in 50 is left an exact duplicate of an earlier copy, so there
is something to remove). 90 % of the rows become the "raw" data set, 10 % the "survey".

Both approaches then run on the same files, each in a fresh process with its own driver JVM
(local[2], spark.driver.memory as given), so that peak memory is measured per run:
- ours: dagspec_glue.abalone.run, what glue-jobs/abalone_preprocess.py runs;
- book: chapter 9's preprocess.py re-implemented faithfully (union, distinct,
  StringIndexer + OneHotEncoder + VectorAssembler fitted on the distinct rows and applied to
  the merged ones, unseeded randomSplit, then per split: rdd map to lines, toDF, toPandas,
  to_csv), with the catalog read replaced by a CSV read of the survey files.

Reported per run: rows/second (input rows over the wall time from the first read to the last
file written, Spark start-up excluded), the driver JVM's peak resident memory (VmHWM of the
java process, sampled from /proc), and the Python driver process's peak (ru_maxrss). Spark's
Python workers (the book's rdd.map lambdas run there) are separate processes and not counted.
A run that dies of memory is reported as "failed (OOM)" and the benchmark goes on.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from functools import reduce
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ABALONE = ROOT / "data" / "abalone" / "abalone.data"
GLUE_JOBS = ROOT / "glue-jobs"
MEASUREMENTS = [
    "length",
    "diameter",
    "height",
    "whole_weight",
    "shucked_weight",
    "viscera_weight",
    "shell_weight",
]
COLUMNS = ["sex", *MEASUREMENTS, "rings"]
# Files per generated data set: enough for both cores to read in parallel.
FILES = 8


def spark_session(driver_memory: str, app: str):
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName(app)
        .config("spark.driver.memory", driver_memory)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "16")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


# ---------------------------------------------------------------------------------------------
# Data generation
# ---------------------------------------------------------------------------------------------


def generate(rows: int, folder: Path) -> None:
    """Write ``rows`` jittered abalone rows as headerless CSV: folder/raw/ and folder/survey/."""
    from pyspark.sql import functions as F

    spark = spark_session("4g", "bench-generate")
    base_lines = ABALONE.read_text().splitlines()
    base = spark.createDataFrame(
        [(i, *line.split(",")) for i, line in enumerate(base_lines)],
        ["base_id", *COLUMNS],
    )
    n = len(base_lines)
    ids = spark.range(rows, numPartitions=FILES)
    copy = F.floor(F.col("id") / n)
    # Copy k shifts every measurement by k * 1e-7; a row with id % 50 == 0 keeps the shift of
    # the copy before it, making it an exact duplicate of the same row one copy earlier.
    shift = F.when((F.col("id") % 50 == 0) & (copy > 0), copy - 1).otherwise(copy) * F.lit(1e-7)
    rows_df = ids.join(F.broadcast(base), (F.col("id") % n) == F.col("base_id")).select(
        "id",
        F.concat_ws(
            ",",
            F.col("sex"),
            *(F.round(F.col(m).cast("double") + shift, 7).cast("string") for m in MEASUREMENTS),
            F.col("rings"),
        ).alias("value"),
    )
    survey = F.col("id") % 10 == 0
    rows_df.where(~survey).select("value").write.mode("overwrite").text(str(folder / "raw"))
    rows_df.where(survey).select("value").write.mode("overwrite").text(str(folder / "survey"))
    spark.stop()


# ---------------------------------------------------------------------------------------------
# The two approaches
# ---------------------------------------------------------------------------------------------


def run_ours(spark, data: Path, out: Path) -> None:
    sys.path.insert(0, str(GLUE_JOBS))
    from dagspec_glue import abalone

    raw = abalone.Source("raw", str(data / "raw"), abalone.read_csv(spark, str(data / "raw")))
    survey_path = str(data / "survey")
    survey = abalone.Source("survey", survey_path, abalone.read_csv(spark, survey_path))
    abalone.run(spark, raw, survey, str(out))


def run_book(spark, data: Path, out: Path) -> None:
    """Chapter 9's preprocess.py, as printed, with local paths instead of S3 and the catalog."""
    from pyspark.ml import Pipeline
    from pyspark.ml.feature import OneHotEncoder, StringIndexer, VectorAssembler
    from pyspark.sql import DataFrame
    from pyspark.sql.types import DoubleType, StringType, StructField, StructType

    def csv_line(data):
        r = ",".join(str(d) for d in data[1])
        return str(data[0]) + "," + r

    def to_s3(df, path):
        rdd = df.rdd.map(lambda x: (x.rings, x.features))
        rdd_lines = rdd.map(csv_line)
        spark_df = rdd_lines.map(lambda x: str(x)).map(lambda s: s.split(",")).toDF()
        pd_df = spark_df.toPandas()
        pd_df = pd_df.drop(columns=["_3"])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        pd_df.to_csv(path, header=False, index=False)

    schema = StructType(
        [StructField("sex", StringType(), True)]
        + [StructField(m, DoubleType(), True) for m in MEASUREMENTS]
        + [StructField("rings", DoubleType(), True)]
    )
    # The book reads the survey through the Glue catalog, then renames to these columns.
    new_df = spark.read.csv(str(data / "survey"), header=False, schema=schema).toDF(*COLUMNS)
    raw_df = spark.read.csv(str(data / "raw"), header=False, schema=schema)
    merged_df = reduce(DataFrame.unionAll, [raw_df, new_df])
    distinct_df = merged_df.distinct()

    sex_indexer = StringIndexer(inputCol="sex", outputCol="indexed_sex")
    sex_encoder = OneHotEncoder(inputCol="indexed_sex", outputCol="sex_vec")
    assembler = VectorAssembler(inputCols=["sex_vec", *MEASUREMENTS], outputCol="features")
    pipeline = Pipeline(stages=[sex_indexer, sex_encoder, assembler])
    model = pipeline.fit(distinct_df)
    transformed_df = model.transform(merged_df)

    (train_df, validation_df, test_df) = transformed_df.randomSplit([0.8, 0.15, 0.05])
    to_s3(train_df, str(out / "training" / "training.csv"))
    to_s3(validation_df, str(out / "training" / "validation.csv"))
    to_s3(test_df, str(out / "testing" / "testing.csv"))


APPROACHES = {"ours": run_ours, "book": run_book}


# ---------------------------------------------------------------------------------------------
# One measured run (a child process)
# ---------------------------------------------------------------------------------------------


def java_pid(spark) -> int | None:
    """The driver JVM's pid: the gateway process, or a java child of this process."""
    proc = getattr(spark.sparkContext._gateway, "proc", None)
    candidates = [proc.pid] if proc else []
    me = str(os.getpid())
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                if fields[1] == me:
                    candidates.append(int(entry))
            except OSError:
                continue
    for pid in candidates:
        try:
            with open(f"/proc/{pid}/comm") as comm:
                if comm.read().strip() == "java":
                    return pid
        except OSError:
            continue
    return None


class PeakSampler(threading.Thread):
    """Keeps the largest VmHWM (peak resident set) seen for a pid, sampled every 0.2 s."""

    def __init__(self, pid: int | None):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = 0
        self._done = threading.Event()

    def sample(self) -> None:
        if self.pid is None:
            return
        try:
            with open(f"/proc/{self.pid}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        self.peak_kib = max(self.peak_kib, int(line.split()[1]))
        except OSError:
            pass  # the JVM has gone; keep the last peak seen

    def run(self) -> None:
        while not self._done.wait(0.2):
            self.sample()

    def stop(self) -> int:
        self._done.set()
        self.join()
        self.sample()
        return self.peak_kib


def classify(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}"
    if isinstance(error, MemoryError) or "OutOfMemoryError" in text or "Java heap space" in text:
        return "failed (OOM)"
    if "maxResultSize" in text:
        return "failed (OOM: results exceed spark.driver.maxResultSize)"
    if "Py4JNetworkError" in text or "Connection refused" in text or "Answer from Java" in text:
        return "failed (OOM: driver JVM died)"
    return f"failed ({type(error).__name__})"


def worker(approach: str, data: Path, out: Path, rows: int, driver_memory: str) -> dict:
    spark = spark_session(driver_memory, f"bench-{approach}")
    sampler = PeakSampler(java_pid(spark))
    sampler.start()
    started = time.monotonic()
    status = "ok"
    try:
        APPROACHES[approach](spark, data, out)
    except Exception as error:  # any failure is a result to report, not a crash
        traceback.print_exc()
        status = classify(error)
    seconds = time.monotonic() - started
    jvm_peak_kib = sampler.stop()
    python_peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        spark.stop()
    except Exception:  # the JVM may already be gone after an OOM
        pass
    return {
        "approach": approach,
        "rows": rows,
        "status": status,
        "seconds": seconds,
        "rows_per_second": rows / seconds if status == "ok" else None,
        "jvm_peak_mib": jvm_peak_kib / 1024,
        "python_peak_mib": python_peak_kib / 1024,
    }


# ---------------------------------------------------------------------------------------------
# The driver of the benchmark
# ---------------------------------------------------------------------------------------------


def child(args: list[str], log: Path, timeout: float) -> subprocess.CompletedProcess | None:
    command = [sys.executable, str(Path(__file__).resolve()), *args]
    with open(log, "w") as stderr:
        try:
            return subprocess.run(
                command, stdout=subprocess.PIPE, stderr=stderr, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            return None


def measure(approach, data, out, rows, options, log) -> dict:
    args = ["--worker", approach, str(data), str(out), str(rows), options.driver_memory]
    result = child(args, log, options.timeout)
    if result is None:
        status = f"failed (timeout after {options.timeout:g} s)"
    else:
        lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
        if lines:
            return json.loads(lines[-1][len("RESULT ") :])
        # The worker process itself died (e.g. killed by the kernel for memory).
        status = f"failed (worker exit {result.returncode}; see {log})"
    return {"approach": approach, "rows": rows, "status": status, "rows_per_second": None}


def fmt_rate(result: dict) -> str:
    return f"{result['rows_per_second']:,.0f}" if result["rows_per_second"] else result["status"]


def fmt_mib(result: dict, key: str) -> str:
    return f"{result[key]:,.0f}" if result.get(key) else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000000,5000000,20000000")
    parser.add_argument("--driver-memory", default="2g")
    parser.add_argument(
        "--approaches", default="ours,book", help="which to run (default ours,book)"
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per run")
    parser.add_argument("--workdir", help="where data and outputs go (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the workdir")
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--generate", nargs=2, help=argparse.SUPPRESS)
    options = parser.parse_args()

    if options.worker:
        approach, data, out, rows, driver_memory = options.worker
        result = worker(approach, Path(data), Path(out), int(rows), driver_memory)
        print("RESULT " + json.dumps(result), flush=True)
        return 0
    if options.generate:
        generate(int(options.generate[0]), Path(options.generate[1]))
        return 0

    sizes = [int(s) for s in options.sizes.split(",")]
    unknown = set(options.approaches.split(",")) - set(APPROACHES)
    if unknown:
        parser.error(f"unknown approach(es): {', '.join(sorted(unknown))}")
    workdir = Path(options.workdir or tempfile.mkdtemp(prefix="dagspec-glue-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"driver memory {options.driver_memory}, local[2], work dir {workdir}", flush=True)
    header = (
        f"{'rows':>10}  {'approach':<6}  {'rows/s':>32}  {'seconds':>8}  "
        f"{'JVM peak MiB':>12}  {'Python peak MiB':>15}"
    )
    results = []
    try:
        for rows in sizes:
            data = workdir / f"data-{rows}"
            generated = child(["--generate", str(rows), str(data)], workdir / "gen.log", 3600)
            if generated is None or generated.returncode != 0:
                print(f"generating {rows} rows failed; see {workdir / 'gen.log'}")
                return 1
            pair = {}
            for approach in options.approaches.split(","):
                out = workdir / f"out-{approach}-{rows}"
                log = workdir / f"{approach}-{rows}.log"
                pair[approach] = measure(approach, data, out, rows, options, log)
                r = pair[approach]
                print(
                    f"{rows:>10,}  {approach:<6}  {fmt_rate(r):>32}  "
                    f"{r.get('seconds', 0):>8.1f}  {fmt_mib(r, 'jvm_peak_mib'):>12}  "
                    f"{fmt_mib(r, 'python_peak_mib'):>15}",
                    flush=True,
                )
                shutil.rmtree(out, ignore_errors=True)
            results.append(pair)
            shutil.rmtree(data, ignore_errors=True)
    finally:
        if not options.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(header)
    for pair in results:
        for approach, r in pair.items():
            print(
                f"{r['rows']:>10,}  {approach:<6}  {fmt_rate(r):>32}  "
                f"{r.get('seconds', 0):>8.1f}  {fmt_mib(r, 'jvm_peak_mib'):>12}  "
                f"{fmt_mib(r, 'python_peak_mib'):>15}"
            )
    print()
    for pair in results:
        if set(pair) != {"ours", "book"}:
            continue
        ours, book = pair["ours"], pair["book"]
        rows = ours["rows"]
        if ours["rows_per_second"] and book["rows_per_second"]:
            ratio = f"{ours['rows_per_second'] / book['rows_per_second']:.1f}x the book's rows/s"
        elif ours["rows_per_second"]:
            ratio = f"the book's approach {book['status']}"
        else:
            ratio = f"ours {ours['status']}"
        memory = ""
        if ours.get("jvm_peak_mib") and book.get("jvm_peak_mib"):
            ours_total = ours["jvm_peak_mib"] + ours["python_peak_mib"]
            book_total = book["jvm_peak_mib"] + book["python_peak_mib"]
            memory = f"; driver peak (JVM + Python) {ours_total:,.0f} vs {book_total:,.0f} MiB"
        print(f"{rows:>10,} rows: ours {ratio}{memory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
