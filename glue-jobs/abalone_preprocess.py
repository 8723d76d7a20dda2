"""Glue job: merge new abalone survey data with the raw data set and write training splits.

Arguments (every location comes from here; see glue-jobs/README.md):
  --raw-path            the raw data set (CSV file or folder)
  --survey-database     Glue database and table of the crawled survey data, or instead
  --survey-table
  --survey-path         the survey data as a CSV file or folder
  --output-path         where training/, validation/, test/, rejected/ and manifest.json go
  --seed                split seed (default 42)
  --max-bad-fraction    fail when more of the input rows than this are malformed (default 0.01)

Output: headerless CSV in the column order the training and evaluation steps read,
    rings, sex_F, sex_I, sex_M, length, diameter, height, whole_weight, shucked_weight,
    viscera_weight, shell_weight
The transforms and the full column contract are in dagspec_glue/abalone.py.
"""

import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from dagspec_glue import abalone, jobargs
from dagspec_glue.errors import JobInputError
from pyspark.context import SparkContext

REQUIRED = ["JOB_NAME", "raw-path", "output-path"]
OPTIONAL = {
    "survey-database": None,
    "survey-table": None,
    "survey-path": None,
    "seed": str(abalone.DEFAULT_SEED),
    "max-bad-fraction": "0.01",
}


def main(argv: list[str]) -> None:
    args = jobargs.resolve(getResolvedOptions, argv, REQUIRED, OPTIONAL)
    seed = jobargs.as_int(args, "seed")
    max_bad_fraction = jobargs.as_fraction(args, "max-bad-fraction")
    from_catalog = args["survey_database"] is not None or args["survey_table"] is not None
    if from_catalog == (args["survey_path"] is not None) or (
        from_catalog and None in (args["survey_database"], args["survey_table"])
    ):
        raise JobInputError(
            "give the survey data either as --survey-database and --survey-table (the crawled "
            "Glue table) or as --survey-path (a CSV file or folder), not both"
        )

    glue_context = GlueContext(SparkContext.getOrCreate())
    spark = glue_context.spark_session
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)

    raw = abalone.Source("raw", args["raw_path"], abalone.read_csv(spark, args["raw_path"]))
    if from_catalog:
        table = f"{args['survey_database']}.{args['survey_table']}"
        frame = glue_context.create_dynamic_frame.from_catalog(
            database=args["survey_database"],
            table_name=args["survey_table"],
            transformation_ctx="survey",
        )
        parsed = abalone.from_table(frame.toDF(), f"survey table {table}")
        survey = abalone.Source("survey", f"catalog table {table}", parsed)
    else:
        survey = abalone.Source(
            "survey", args["survey_path"], abalone.read_csv(spark, args["survey_path"])
        )

    manifest = abalone.run(
        spark,
        raw,
        survey,
        args["output_path"],
        seed=seed,
        max_bad_fraction=max_bad_fraction,
    )
    print(
        f"abalone_preprocess: {manifest['rows_in']} rows in, {manifest['rejected']['rows']} "
        f"rejected, {manifest['duplicates_removed']} duplicates removed, splits "
        + ", ".join(f"{name} {s['rows']}" for name, s in manifest["splits"].items())
    )
    job.commit()


if __name__ == "__main__":
    main(sys.argv)
