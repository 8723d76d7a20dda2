"""Glue job: rename and cast the columns of a delimited source, driven by job arguments.

Arguments (every location comes from here; see glue-jobs/README.md):
  --source-path        the delimited source (file or folder)
  --source-format      csv (default csv)
  --delimiter          field delimiter (default ",")
  --header             true|false: the source's first line names its columns (default false;
                       without a header the columns are col0, col1, ...)
  --mappings           JSON list of [sourceColumn, sourceType, targetColumn, targetType]
  --target-path        where the mapped data goes
  --target-format      csv or parquet
  --target-header      true|false: write a header line in a csv target (default true)
  --audit-path         where rejected/ and manifest.json go (keep it outside --target-path)
  --max-bad-fraction   fail when more of the source rows than this are rejected (default 0.01)

The transforms and the column contract are in dagspec_glue/mapping.py.
"""

import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from dagspec_glue import jobargs, mapping
from dagspec_glue.errors import JobInputError
from pyspark.context import SparkContext

REQUIRED = ["JOB_NAME", "source-path", "mappings", "target-path", "target-format", "audit-path"]
OPTIONAL = {
    "source-format": "csv",
    "delimiter": ",",
    "header": "false",
    "target-header": "true",
    "max-bad-fraction": "0.01",
}


def main(argv: list[str]) -> None:
    args = jobargs.resolve(getResolvedOptions, argv, REQUIRED, OPTIONAL)
    mappings = mapping.parse_mappings(args["mappings"])
    header = jobargs.as_bool(args, "header")
    target_header = jobargs.as_bool(args, "target-header")
    max_bad_fraction = jobargs.as_fraction(args, "max-bad-fraction")
    if args["source_format"] not in mapping.SOURCE_FORMATS:
        raise JobInputError(f"--source-format must be csv, got {args['source_format']!r}")
    if len(args["delimiter"]) != 1:
        raise JobInputError(f"--delimiter must be one character, got {args['delimiter']!r}")

    glue_context = GlueContext(SparkContext.getOrCreate())
    spark = glue_context.spark_session
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)

    source = mapping.read_delimited(spark, args["source_path"], args["delimiter"], header)
    manifest = mapping.run(
        spark,
        source,
        args["source_path"],
        mappings,
        args["target_path"],
        args["target_format"],
        args["audit_path"],
        max_bad_fraction=max_bad_fraction,
        target_header=target_header,
    )
    print(
        f"apply_mapping: {manifest['rows_in']} rows in, {manifest['rows_out']} written, "
        f"{manifest['rejected']['rows']} rejected"
    )
    job.commit()


if __name__ == "__main__":
    main(sys.argv)
