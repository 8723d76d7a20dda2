"""A small local stand-in for AWS Glue's ``awsglue`` package, for local runs and tests only.

The real package needs Glue's JVM jar, which cannot be had outside Glue. This shim offers the
few calls dagspec's Glue entry points make, on plain PySpark, so the same script runs
unchanged here and on Glue. ``glue-jobs/local/run_job.py`` and the tests put
``glue-jobs/local`` on sys.path; nothing else does, and it is never shipped to Glue.

What it imitates:
- awsglue.utils.getResolvedOptions: argparse-based, every listed option required, keys as
  argparse makes them (``--raw-path`` -> ``raw_path``), unknown arguments ignored.
- awsglue.context.GlueContext: ``spark_session``; ``create_dynamic_frame.from_catalog`` reads
  a table from a local catalog file (see awsglue.context); ``create_dynamic_frame.from_options``
  reads local csv, json or parquet.
- awsglue.dynamicframe.DynamicFrame: ``toDF``, ``fromDF``, ``count``.
- awsglue.job.Job: ``init`` and ``commit``.

What it does not imitate: choice types and the rest of the DynamicFrame API, transforms
(awsglue.transforms), write_dynamic_frame, job bookmarks, Glue's reserved arguments
(--TempDir, --job-bookmark-option, ... are ignored, not returned), connections, S3 or any
other AWS call, and Glue's own CSV reader (the shim uses Spark's).
"""
