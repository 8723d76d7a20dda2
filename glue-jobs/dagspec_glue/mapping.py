"""Rename and cast columns of a delimited source: the transforms behind ``apply_mapping.py``.

Mappings have the shape of Glue's ApplyMapping: a JSON list of
``[sourceColumn, sourceType, targetColumn, targetType]``, for example the interaction data of a
batch recommendation job::

    [["USER_ID", "string", "user_id", "string"],
     ["ITEM_ID", "string", "item_id", "string"],
     ["TIMESTAMP", "long", "timestamp", "long"]]

Column contract
---------------
* The source is delimited text. With a header its columns are named by the header; without one
  they are col0, col1, ... (Glue's names), counted from the first line.
* Each source value is read as ``sourceType`` and then converted to ``targetType``; the output
  has exactly the mapped target columns, in mapping order. Unmapped source columns are dropped.
* A value that cannot be read or converted (``"abc"`` as a long, ``"1.5"`` as a long) rejects
  its row: the row is counted and written aside with the reason, never turned into a null.
  An empty field is a missing value: it stays null in the output and is not a rejection.
* A row with more or fewer fields than the source has columns is rejected as
  ``wrong_field_count``.

Types are Glue's names: string, long (bigint), int (integer), short (smallint), byte (tinyint),
double, float, boolean, date, timestamp, decimal(p,s).
"""

import json
import re
from dataclasses import dataclass
from typing import Any

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from dagspec_glue import files
from dagspec_glue.errors import JobInputError

# Glue type name -> Spark SQL type name.
TYPES = {
    "string": "string",
    "long": "bigint",
    "bigint": "bigint",
    "int": "int",
    "integer": "int",
    "short": "smallint",
    "smallint": "smallint",
    "byte": "tinyint",
    "tinyint": "tinyint",
    "double": "double",
    "float": "float",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
}
_DECIMAL = re.compile(r"^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$")

TARGET_FORMATS = ("csv", "parquet")
SOURCE_FORMATS = ("csv",)

WRONG_FIELD_COUNT = "wrong_field_count"
CAST_FAILED = "cast_failed"
REASONS = (WRONG_FIELD_COUNT, CAST_FAILED)

# Spark puts the raw text of a row with the wrong number of fields here.
_MALFORMED = "_dagspec_malformed_record"


@dataclass(frozen=True)
class Mapping:
    source: str
    source_type: str
    target: str
    target_type: str


def spark_type(glue_type: str) -> str:
    """The Spark SQL name for a Glue type name; JobInputError for an unknown one."""
    name = glue_type.strip().lower()
    if name in TYPES:
        return TYPES[name]
    match = _DECIMAL.match(name)
    if match and 0 < int(match[1]) <= 38 and int(match[2]) <= int(match[1]):
        return f"decimal({match[1]},{match[2]})"
    raise JobInputError(
        f"unknown type {glue_type!r}; use one of {', '.join(TYPES)} or decimal(p,s)"
    )


def parse_mappings(text: str) -> list[Mapping]:
    """Parse --mappings: a JSON list of [sourceColumn, sourceType, targetColumn, targetType]."""
    try:
        items = json.loads(text)
    except json.JSONDecodeError as error:
        raise JobInputError(f"--mappings is not valid JSON: {error}") from None
    if not isinstance(items, list) or not items:
        raise JobInputError("--mappings must be a non-empty JSON list of 4-item lists")
    mappings = []
    for position, item in enumerate(items):
        if not (
            isinstance(item, list) and len(item) == 4 and all(isinstance(v, str) for v in item)
        ):
            raise JobInputError(
                f"--mappings item {position} is {json.dumps(item)}; expected "
                "[sourceColumn, sourceType, targetColumn, targetType], all strings"
            )
        source, source_type, target, target_type = item
        spark_type(source_type)
        spark_type(target_type)
        mappings.append(Mapping(source, source_type, target, target_type))
    targets = [m.target for m in mappings]
    duplicated = sorted({t for t in targets if targets.count(t) > 1})
    if duplicated:
        raise JobInputError(f"--mappings names target column(s) twice: {', '.join(duplicated)}")
    return mappings


def read_delimited(spark: SparkSession, location: str, delimiter: str, header: bool) -> DataFrame:
    """The delimited file or folder at ``location``, every column a string.

    Column names come from the header line, or are col0..colN-1 counted from the first line.
    Rows whose field count differs from that are kept with their raw text in a hidden column
    (see ``apply``), so they can be rejected rather than padded with nulls or cut short.
    """
    first = spark.read.csv(location, sep=delimiter, header=header)
    names = first.columns if header else [f"col{i}" for i in range(len(first.columns))]
    if not names:
        raise JobInputError(f"source {location} is empty: no header or first row to read")
    # With CSV column pruning on, Spark parses only the columns a query uses and stops noticing
    # rows with too few or too many fields; off, every row is checked against every column.
    spark.conf.set("spark.sql.csv.parser.columnPruning.enabled", "false")
    schema = StructType(
        [StructField(name, StringType()) for name in names]
        + [StructField(_MALFORMED, StringType())]
    )
    return spark.read.csv(
        location,
        sep=delimiter,
        header=header,
        schema=schema,
        mode="PERMISSIVE",
        columnNameOfCorruptRecord=_MALFORMED,
    )


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _try_cast(name: str, spark_type_name: str) -> Column:
    """Column ``name`` as ``spark_type_name``, null where the value does not fit.

    try_cast is the strict (ANSI) cast that yields null instead of failing: "1.5" is not a
    long, where Spark's default lenient cast would quietly truncate it to 1.
    """
    if spark_type_name == "string":
        return F.col(_quote(name))
    return F.expr(f"try_cast({_quote(name)} AS {spark_type_name})")


def apply(source: DataFrame, mappings: list[Mapping]) -> DataFrame:
    """Apply ``mappings`` to a frame from ``read_delimited``.

    Returns the target columns plus ``reason``, ``detail`` and ``record``; ``reason`` is null
    for a good row, else one of REASONS. JobInputError when a mapping names a source column
    the source does not have.
    """
    columns = [c for c in source.columns if c != _MALFORMED]
    for mapping in mappings:
        if mapping.source not in columns:
            raise JobInputError(
                f"mapping for target column {mapping.target!r} names source column "
                f"{mapping.source!r}, which the source does not have; its columns are: "
                f"{', '.join(columns)}"
            )

    # Each mapped value in two steps, read as the source type then converted to the target
    # type; a step that turns a present value into null is a failed cast.
    staged = source.select(
        "*",
        *(
            _try_cast(m.source, spark_type(m.source_type)).alias(f"_read_{i}")
            for i, m in enumerate(mappings)
        ),
    )
    staged = staged.select(
        "*",
        *(
            _try_cast(f"_read_{i}", spark_type(m.target_type)).alias(f"_out_{i}")
            for i, m in enumerate(mappings)
        ),
    )

    failures = []
    for i, m in enumerate(mappings):
        original = F.col(_quote(m.source))
        read_failed = original.isNotNull() & F.col(f"_read_{i}").isNull()
        convert_failed = F.col(f"_read_{i}").isNotNull() & F.col(f"_out_{i}").isNull()
        failures.append(
            (
                read_failed,
                F.concat(F.lit(f"{m.source} '"), original, F.lit(f"' is not a {m.source_type}")),
            )
        )
        failures.append(
            (
                convert_failed,
                F.concat(
                    F.lit(f"{m.source} '"),
                    original,
                    F.lit(f"' does not convert from {m.source_type} to {m.target_type}"),
                ),
            )
        )
    malformed = F.col(_MALFORMED).isNotNull()
    reason = F.when(malformed, F.lit(WRONG_FIELD_COUNT))
    detail = F.when(malformed, F.lit(f"expected {len(columns)} fields"))
    for condition, text in failures:
        reason = reason.when(condition, F.lit(CAST_FAILED))
        detail = detail.when(condition, text)

    record = F.coalesce(
        F.col(_MALFORMED),
        F.to_json(F.struct(*(F.col(_quote(c)) for c in columns))),
    )
    return staged.select(
        *(F.col(f"_out_{i}").alias(m.target) for i, m in enumerate(mappings)),
        reason.otherwise(F.lit(None)).alias("reason"),
        detail.otherwise(F.lit(None)).alias("detail"),
        record.alias("record"),
    )


def run(
    spark: SparkSession,
    source: DataFrame,
    source_location: str,
    mappings: list[Mapping],
    target_path: str,
    target_format: str,
    audit_path: str,
    max_bad_fraction: float = 0.01,
    target_header: bool = True,
) -> dict[str, Any]:
    """Map ``source`` to ``target_path``; rejected rows and manifest.json go to ``audit_path``.

    Writes audit_path/rejected/ (JSON lines: reason, detail, record) first; raises
    JobInputError without touching the target when the source is empty or more than
    ``max_bad_fraction`` of its rows are bad; else writes the target, then the manifest.
    """
    if target_format not in TARGET_FORMATS:
        raise JobInputError(
            f"--target-format must be one of {', '.join(TARGET_FORMATS)}, got {target_format!r}"
        )
    rejected_path = files.join(audit_path, "rejected")
    manifest_path = files.join(audit_path, "manifest.json")
    files.delete(spark, manifest_path)

    mapped = apply(source, mappings)
    # Pass 1: count rows per reason (null for good rows); only these aggregates reach the
    # driver.
    counts = {row["reason"]: row["count"] for row in mapped.groupBy("reason").count().collect()}
    rows_in = sum(counts.values())
    by_reason = {r: counts.get(r, 0) for r in REASONS}
    bad = sum(by_reason.values())
    # Pass 2, only when there is something to write: the rejected rows. The folder is always
    # (re)written, so it never holds a previous run's rejections.
    rejected_rows = mapped.where(F.col("reason").isNotNull())
    if bad == 0:
        rejected_rows = rejected_rows.limit(0)
    rejected_rows.select("reason", "detail", "record").write.mode("overwrite").json(rejected_path)

    if rows_in == 0:
        raise JobInputError(f"source {source_location} has no data rows")
    bad_fraction = bad / rows_in
    if bad_fraction > max_bad_fraction:
        reasons = ", ".join(f"{r} {n}" for r, n in by_reason.items() if n)
        raise JobInputError(
            f"{bad} of {rows_in} source rows ({bad_fraction:.2%}) were rejected ({reasons}), "
            f"more than --max-bad-fraction {max_bad_fraction:g}; the target was not written. "
            f"Each rejected row and its reason is in {rejected_path}"
        )

    good = mapped.where(F.col("reason").isNull()).select(*(m.target for m in mappings))
    writer = good.write.mode("overwrite")
    if target_format == "csv":
        writer.csv(target_path, header=target_header)
    else:
        writer.parquet(target_path)

    manifest = {
        "job": "apply_mapping",
        "source": source_location,
        "target": {"location": target_path, "format": target_format},
        "mappings": [[m.source, m.source_type, m.target, m.target_type] for m in mappings],
        "rows_in": rows_in,
        "rows_out": rows_in - bad,
        "rejected": {
            "rows": bad,
            "by_reason": by_reason,
            "fraction": bad_fraction,
            "max_fraction": max_bad_fraction,
            "location": rejected_path,
        },
    }
    files.write_json(spark, manifest_path, manifest)
    return manifest
