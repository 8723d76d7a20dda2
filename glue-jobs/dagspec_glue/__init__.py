"""Pure PySpark transforms behind dagspec's Glue jobs.

Each Glue entry point in ``glue-jobs/`` (``abalone_preprocess.py``, ``apply_mapping.py``) is a
thin shell: it resolves job arguments, builds a GlueContext, reads, and hands plain Spark
DataFrames to the functions in this package. Nothing here imports ``awsglue``, so the transforms
run and are tested on plain local PySpark.

On AWS Glue this package travels as a zip passed with ``--extra-py-files`` (the zip holds the
``dagspec_glue/`` folder at its root). Keep it importable from a zip: no data files read
relative to ``__file__``, no compiled extensions.
"""
