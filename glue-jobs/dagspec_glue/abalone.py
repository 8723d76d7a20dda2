"""Abalone preprocessing: the transforms behind ``glue-jobs/abalone_preprocess.py``.

Input contract
--------------
Two sources, each with the nine columns of the UCI abalone file, in this order::

    sex, length, diameter, height, whole_weight, shucked_weight, viscera_weight,
    shell_weight, rings

* the raw data set and (optionally) the new survey data as CSV text: comma separated, no
  header. Spaces around a value are ignored; blank lines are skipped by the reader.
* or the survey data as a crawled Glue catalog table: any nine columns, taken by position
  (a crawler names them col0..col8 and types them string, double, ..., bigint).

A row is valid when it has exactly nine fields, sex is F, I or M, the seven measurements are
decimal numbers (``1``, ``0.455``, ``5e-4``; not ``NaN``, ``Infinity`` or empty) and rings
is a whole number >= 0 (``15`` or ``15.0``). Every other row is *rejected*: counted, and kept
with its reason in the ``rejected/`` output, never dropped silently. A header row is rejected
as ``header_row``.

Output contract
---------------
Valid rows from both sources are de-duplicated on their parsed values (so ``0.455`` and
``0.4550`` are the same measurement), then each distinct row goes to exactly one split and is
written as headerless CSV with the target first, in this column order::

    rings, sex_F, sex_I, sex_M, length, diameter, height, whole_weight, shucked_weight,
    viscera_weight, shell_weight

``rings`` and the three sex columns are integers (the sex columns one-hot: exactly one is 1);
the measurements are doubles as Spark writes them (``0.455``; very small values in Java's
exponent form, ``5.0E-4``, which every CSV number parser reads).

Splits: training 80 %, validation 15 %, test 5 %, decided per row by a hash of the row's
values and the seed. The same seed and the same row give the same split whatever the
partitioning, the order of the input, or which other rows are present; so a row in a run's
test set stays in the test set of every later run that uses the same seed.

The sex encoding is fixed (F, I, M in that order), not fitted: no StringIndexer, whose indices
depend on category frequency and could reorder the columns between runs.
"""

from dataclasses import dataclass
from typing import Any

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from dagspec_glue import files
from dagspec_glue.errors import JobInputError

MEASUREMENTS = (
    "length",
    "diameter",
    "height",
    "whole_weight",
    "shucked_weight",
    "viscera_weight",
    "shell_weight",
)
# The UCI file's column order, which is also the input order of the survey data.
INPUT_COLUMNS = ("sex", *MEASUREMENTS, "rings")
SEXES = ("F", "I", "M")
# What the training and evaluation steps read: the target first, then the features.
OUTPUT_COLUMNS = ("rings", *(f"sex_{sex}" for sex in SEXES), *MEASUREMENTS)

# Split name -> fraction of rows. The names are also the output folder names.
SPLITS = {"training": 0.80, "validation": 0.15, "test": 0.05}
DEFAULT_SEED = 42

# Why a row was rejected (the ``reason`` field of rejected/ and the manifest's counts).
WRONG_FIELD_COUNT = "wrong_field_count"
HEADER_ROW = "header_row"
UNKNOWN_SEX = "unknown_sex"
NOT_A_NUMBER = "not_a_number"
BAD_RINGS = "rings_not_a_whole_number"
UNREADABLE = "unreadable_line"  # Spark's CSV reader refused it and none of the above says why
REASONS = (WRONG_FIELD_COUNT, HEADER_ROW, UNKNOWN_SEX, NOT_A_NUMBER, BAD_RINGS, UNREADABLE)

# How sources are read, before any check: measurements as doubles (null when empty), rings as
# text (checked for being whole below), and the raw line of any row Spark's CSV reader could
# not fit to this schema (wrong number of fields, a measurement that is not a number).
_MALFORMED = "_malformed"
_READ_SCHEMA = ", ".join(
    ["sex string", *(f"{m} double" for m in MEASUREMENTS), "rings string", f"{_MALFORMED} string"]
)
# A plain decimal number: what a malformed line's fields are checked against.
_NUMBER = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
# A whole number of rings that fits an int (at most 9 digits), optionally written "15.0".
_WHOLE = r"^\+?[0-9]{1,9}(\.0*)?$"
# Buckets for the hash split: fine enough that 5 % is 500 buckets.
_BUCKETS = 10_000


# ---------------------------------------------------------------------------------------------
# Reading: every source becomes the _READ_SCHEMA columns.
# ---------------------------------------------------------------------------------------------


def read_csv(spark: SparkSession, location: str) -> DataFrame:
    """The headerless CSV file or folder at ``location``, as the _READ_SCHEMA columns.

    Spark's CSV reader does the parsing in the JVM, row by row, so this scales with the
    cluster. In PERMISSIVE mode a row that does not fit the schema is kept, with its text in
    the _malformed column, for check_rows to explain and reject.
    """
    # With CSV column pruning on, Spark parses only the columns a query uses and stops noticing
    # rows with too few or too many fields; off, every row is checked against every column.
    spark.conf.set("spark.sql.csv.parser.columnPruning.enabled", "false")
    return spark.read.csv(
        location,
        schema=_READ_SCHEMA,
        header=False,
        mode="PERMISSIVE",
        columnNameOfCorruptRecord=_MALFORMED,
        ignoreLeadingWhiteSpace=True,
        ignoreTrailingWhiteSpace=True,
    )


def from_table(frame: DataFrame, what: str) -> DataFrame:
    """A typed nine-column frame (a crawled catalog table) as the _READ_SCHEMA columns.

    Columns are taken by position, whatever a crawler named them. A value that is present but
    is not a number (a crawler types a column string when some value is not numeric) makes
    the row malformed, with the row's text, exactly like a CSV row Spark could not read.
    """
    if len(frame.columns) != len(INPUT_COLUMNS):
        raise JobInputError(
            f"{what} has {len(frame.columns)} columns ({', '.join(frame.columns)}); "
            f"expected {len(INPUT_COLUMNS)}, in this order: {', '.join(INPUT_COLUMNS)}"
        )
    names = [f"`{name.replace('`', '``')}`" for name in frame.columns]
    texts = [F.trim(F.expr(f"CAST({name} AS STRING)")) for name in names]
    # try_cast: null, not an error, for a value that is not a number.
    values = [F.expr(f"try_cast({name} AS DOUBLE)") for name in names[1:8]]
    unreadable = [text.isNotNull() & value.isNull() for text, value in zip(texts[1:8], values)]
    line = F.concat_ws(",", *(F.coalesce(text, F.lit("")) for text in texts))
    return frame.select(
        texts[0].alias("sex"),
        *(value.alias(m) for value, m in zip(values, MEASUREMENTS)),
        texts[8].alias("rings"),
        F.when(_any(unreadable), line).alias(_MALFORMED),
    )


# ---------------------------------------------------------------------------------------------
# Checking: one reason per bad row, typed values for good rows. All Spark expressions (no
# Python UDFs), so checking runs in the executors' JVMs at full speed.
# ---------------------------------------------------------------------------------------------


def _any(conditions: list[Column]) -> Column:
    result = conditions[0]
    for condition in conditions[1:]:
        result = result | condition
    return result


def _first(*cases: tuple[Column, Column]) -> Column:
    """The value of the first case whose condition holds, else null."""
    result = None
    for condition, value in cases:
        result = F.when(condition, value) if result is None else result.when(condition, value)
    return result.otherwise(F.lit(None))


def _problem(name: str, text: Column, complaint: str) -> Column:
    """ "<name> '<text>' <complaint>", or "<name> is missing" where the text is null."""
    return F.coalesce(
        F.concat(F.lit(f"{name} '"), text, F.lit(f"' {complaint}")), F.lit(f"{name} is missing")
    )


def _typed_checks() -> list[tuple[Column, str, Column]]:
    """(condition, reason, detail) for a row the CSV reader parsed: check the values."""
    sex, rings = F.col("sex"), F.col("rings")
    checks = [
        (
            ~F.coalesce(sex.isin(*SEXES), F.lit(False)),
            UNKNOWN_SEX,
            _problem("sex", sex, f"is not one of {', '.join(SEXES)}"),
        )
    ]
    for name in MEASUREMENTS:
        value = F.col(name)
        # The reader reads "NaN" and "Infinity" as doubles; they are not measurements.
        checks.append(
            (
                value.isNull() | F.isnan(value) | (F.abs(value) == float("inf")),
                NOT_A_NUMBER,
                _problem(name, value.cast("string"), "is not a number"),
            )
        )
    checks.append(
        (
            ~F.coalesce(rings.rlike(_NUMBER), F.lit(False)),
            NOT_A_NUMBER,
            _problem("rings", rings, "is not a number"),
        )
    )
    checks.append(
        (~rings.rlike(_WHOLE), BAD_RINGS, _problem("rings", rings, "is not a whole number >= 0"))
    )
    return checks


def _line_checks(line: Column) -> list[tuple[Column, str, Column]]:
    """(condition, reason, detail) for a line the CSV reader could not parse: say why."""
    fields = F.split(line, ",", -1)

    def field(i: int) -> Column:
        # try_element_at: null past the end of a short line, even where ANSI mode would raise.
        return F.trim(F.try_element_at(fields, F.lit(i + 1)))

    checks = [
        (
            F.size(fields) != len(INPUT_COLUMNS),
            WRONG_FIELD_COUNT,
            F.format_string(f"expected {len(INPUT_COLUMNS)} fields, got %d", F.size(fields)),
        ),
        (F.lower(field(0)) == "sex", HEADER_ROW, F.lit("header row")),
        (
            ~F.coalesce(field(0).isin(*SEXES), F.lit(False)),
            UNKNOWN_SEX,
            _problem("sex", field(0), f"is not one of {', '.join(SEXES)}"),
        ),
    ]
    for i, name in enumerate(INPUT_COLUMNS[1:], start=1):
        checks.append(
            (
                ~F.coalesce(field(i).rlike(_NUMBER), F.lit(False)),
                NOT_A_NUMBER,
                _problem(name, field(i), "is not a number"),
            )
        )
    checks.append((F.lit(True), UNREADABLE, F.lit("not readable as CSV")))
    return checks


def check_rows(parsed: DataFrame, source: str) -> DataFrame:
    """Check each row of one source (the _READ_SCHEMA columns).

    Returns: source, record, reason, detail, and the typed INPUT_COLUMNS (sex string,
    measurements double, rings int). ``reason`` is null for a valid row, else one of REASONS,
    with a human-readable ``detail`` naming the value at fault. ``record`` is the row's text
    (the original line for a malformed row, the parsed values joined by commas otherwise).
    The typed columns are only meaningful where ``reason`` is null.

    Rows the reader parsed are checked on their typed values, which is cheap; the slower
    look at the raw text only happens for the few rows the reader could not parse.
    """
    malformed = F.col(_MALFORMED)
    line_checks = _line_checks(malformed)
    typed_checks = _typed_checks()

    def first_reason(checks: list[tuple[Column, str, Column]]) -> Column:
        return _first(*((condition, F.lit(reason)) for condition, reason, _ in checks))

    def first_detail(checks: list[tuple[Column, str, Column]]) -> Column:
        return _first(*((condition, detail) for condition, _, detail in checks))

    reason = F.when(malformed.isNotNull(), first_reason(line_checks)).otherwise(
        first_reason(typed_checks)
    )
    detail = F.when(malformed.isNotNull(), first_detail(line_checks)).otherwise(
        first_detail(typed_checks)
    )

    record = F.coalesce(
        malformed,
        F.concat_ws(
            ",",
            *(F.coalesce(F.col(c).cast("string"), F.lit("")) for c in INPUT_COLUMNS),
        ),
    )

    def measurement(name: str) -> Column:
        # -0.0 and 0.0 are one value; writing and hashing the same bits keeps them so.
        value = F.col(name)
        return F.when(value == 0.0, F.lit(0.0)).otherwise(value).alias(name)

    return parsed.select(
        F.lit(source).alias("source"),
        record.alias("record"),
        reason.alias("reason"),
        detail.alias("detail"),
        F.col("sex"),
        *(measurement(name) for name in MEASUREMENTS),
        # Whole and at most 9 digits (checked above), so this cast neither truncates nor fails.
        F.when(F.col("rings").rlike(_WHOLE), F.col("rings").cast("double").cast("int")).alias(
            "rings"
        ),
    )


# ---------------------------------------------------------------------------------------------
# Transforming good rows: de-duplicate, split, encode.
# ---------------------------------------------------------------------------------------------


def distinct_rows(checked: DataFrame) -> DataFrame:
    """The valid rows of a checked frame, typed, each distinct row once."""
    return checked.where(F.col("reason").isNull()).select(*INPUT_COLUMNS).distinct()


def split_column(seed: int) -> Column:
    """The split name for a row, from a hash of the seed and the row's values.

    xxhash64 of the values is independent of partitioning and ordering, so the split of a row
    depends only on (seed, row). Buckets 0..9999 are cut at the cumulative SPLITS fractions.
    """
    bucket = F.pmod(F.xxhash64(F.lit(seed), *(F.col(c) for c in INPUT_COLUMNS)), F.lit(_BUCKETS))
    result = None
    upper = 0.0
    names = list(SPLITS)
    for name in names[:-1]:
        upper += SPLITS[name]
        condition = bucket < int(round(upper * _BUCKETS))
        result = F.when(condition, name) if result is None else result.when(condition, name)
    return result.otherwise(names[-1])


def assign_splits(rows: DataFrame, seed: int) -> DataFrame:
    """``rows`` (typed INPUT_COLUMNS) with a ``split`` column added."""
    return rows.withColumn("split", split_column(seed))


def encode(rows: DataFrame) -> DataFrame:
    """Typed INPUT_COLUMNS to OUTPUT_COLUMNS: rings first, fixed one-hot sex, measurements."""
    return rows.select(
        F.col("rings"),
        *((F.col("sex") == sex).cast("int").alias(f"sex_{sex}") for sex in SEXES),
        *(F.col(name) for name in MEASUREMENTS),
    )


# ---------------------------------------------------------------------------------------------
# The whole job: check, reject, fail or continue, split, write, manifest.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One input: a name for messages and the manifest, where it is, and its frame as read
    by read_csv or from_table."""

    name: str
    location: str
    frame: DataFrame


def run(
    spark: SparkSession,
    raw: Source,
    survey: Source,
    output_path: str,
    seed: int = DEFAULT_SEED,
    max_bad_fraction: float = 0.01,
) -> dict[str, Any]:
    """Preprocess ``raw`` and ``survey`` into splits under ``output_path``; return the manifest.

    Writes, under output_path: rejected/ (JSON lines: source, reason, detail, record), then
    training/, validation/, test/ (headerless CSV, OUTPUT_COLUMNS) and, last, manifest.json.
    Raises JobInputError, after writing rejected/ and before any split, when the input is
    empty or more than ``max_bad_fraction`` of its rows are bad.

    Nothing but aggregate counts reaches the driver: the data goes from the input files to
    the output files through the executors. The input is read twice (three times when some
    rows are rejected): cheaper than keeping every input row, with its text, to reuse.
    """
    rejected_path = files.join(output_path, "rejected")
    manifest_path = files.join(output_path, "manifest.json")
    # A manifest beside the splits means the run that wrote them completed; remove the last
    # run's before anything else changes.
    files.delete(spark, manifest_path)

    checked = check_rows(raw.frame, raw.name).unionByName(check_rows(survey.frame, survey.name))

    # Pass 1 over the input: count rows and rejections per source. Only these few aggregate
    # rows reach the driver.
    counts = {
        (row["source"], row["reason"]): row["count"]
        for row in checked.groupBy("source", "reason").count().collect()
    }
    inputs = {}
    for source in (raw, survey):
        rejected = {r: counts.get((source.name, r), 0) for r in REASONS}
        inputs[source.name] = {
            "location": source.location,
            "rows": sum(n for (name, _), n in counts.items() if name == source.name),
            "rejected": sum(rejected.values()),
            "rejected_by_reason": rejected,
        }
    rows_in = sum(i["rows"] for i in inputs.values())
    bad = sum(i["rejected"] for i in inputs.values())

    # Pass 2, only when there is something to write: the bad rows. The folder is always
    # (re)written, so it never holds a previous run's rejections.
    rejected_rows = checked.where(F.col("reason").isNotNull())
    if bad == 0:
        rejected_rows = rejected_rows.limit(0)
    rejected_rows.select("source", "reason", "detail", "record").write.mode("overwrite").json(
        rejected_path
    )

    if rows_in == 0:
        raise JobInputError(
            f"no input rows: {raw.name} ({raw.location}) and {survey.name} "
            f"({survey.location}) hold no data rows"
        )
    bad_fraction = bad / rows_in
    if bad_fraction > max_bad_fraction:
        by_reason = {r: sum(i["rejected_by_reason"][r] for i in inputs.values()) for r in REASONS}
        reasons = ", ".join(f"{r} {n}" for r, n in by_reason.items() if n)
        raise JobInputError(
            f"{bad} of {rows_in} input rows ({bad_fraction:.2%}) are malformed ({reasons}), "
            f"more than --max-bad-fraction {max_bad_fraction:g}; no splits were written. "
            f"Each rejected row and its reason is in {rejected_path}"
        )

    # Pass 3: keep the valid rows, de-duplicate them (the one shuffle), assign splits. The
    # result is kept on disk, so the three writes read it instead of repeating all that.
    # DISK_ONLY leaves executor memory to the shuffle (and keeps driver memory flat in local
    # mode, where the executor lives in the driver).
    labelled = assign_splits(distinct_rows(checked), seed).persist(StorageLevel.DISK_ONLY)
    try:
        split_rows = {name: 0 for name in SPLITS}
        for row in labelled.groupBy("split").count().collect():
            split_rows[row["split"]] = row["count"]
        for name in SPLITS:
            encode(labelled.where(F.col("split") == name)).write.mode("overwrite").csv(
                files.join(output_path, name), header=False
            )
    finally:
        labelled.unpersist()

    distinct = sum(split_rows.values())
    manifest = {
        "job": "abalone_preprocess",
        "seed": seed,
        "columns": list(OUTPUT_COLUMNS),
        "fractions": SPLITS,
        "inputs": inputs,
        "rows_in": rows_in,
        "rejected": {
            "rows": bad,
            "fraction": bad_fraction,
            "max_fraction": max_bad_fraction,
            "location": rejected_path,
        },
        "duplicates_removed": rows_in - bad - distinct,
        "rows_out": distinct,
        "splits": {
            name: {"rows": split_rows[name], "location": files.join(output_path, name)}
            for name in SPLITS
        },
    }
    files.write_json(spark, manifest_path, manifest)
    return manifest
