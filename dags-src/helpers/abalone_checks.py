"""Checks run as python tasks of the abalone pipelines."""

import json


def check_split_counts(manifest_uri: str, minimum_rows: int) -> dict:
    """Fails the task unless every split in the preprocessing manifest has enough rows.

    The manifest is the one glue-jobs/abalone_preprocess.py writes beside its splits.
    """
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    bucket, _, key = manifest_uri.removeprefix("s3://").partition("/")
    manifest = json.loads(S3Hook().read_key(key=key, bucket_name=bucket))
    counts = {name: split["rows"] for name, split in manifest["splits"].items()}
    small = {name: rows for name, rows in counts.items() if rows < minimum_rows}
    if small:
        raise ValueError(f"splits below {minimum_rows} rows: {small}")
    return counts
