"""Checks run as python tasks of the abalone pipelines."""

import json


def check_split_counts(manifest_uri: str, minimum_rows: int) -> dict:
    """Fails the task unless every split in the preprocessing manifest has enough rows."""
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    bucket, _, key = manifest_uri.removeprefix("s3://").partition("/")
    manifest = json.loads(S3Hook().read_key(key=key, bucket_name=bucket))
    counts = manifest["splits"]
    small = {name: n for name, n in counts.items() if n < minimum_rows}
    if small:
        raise ValueError(f"splits below {minimum_rows} rows: {small}")
    return counts
