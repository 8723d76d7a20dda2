"""Lambda: copy the iris files landed under one S3 prefix into the raw zone of a run.

Event: {"source": "s3://bucket/iris/landing/", "target": "s3://bucket/iris/raw/2024-01-01/"}
Returns {"copied": [keys], "rows": n}. Fails when nothing has landed, so the run stops early.
"""

import boto3


def split(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://"):
        raise ValueError(f"not an s3:// URI: {uri!r}")
    bucket, _, key = uri[len("s3://") :].partition("/")
    return bucket, key


def handler(event: dict, context: object = None) -> dict:
    s3 = boto3.client("s3")
    source_bucket, source_prefix = split(event["source"])
    target_bucket, target_prefix = split(event["target"])
    copied: list[str] = []
    rows = 0
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=source_bucket, Prefix=source_prefix)
    for page in pages:
        for item in page.get("Contents", []):
            key = item["Key"]
            if key.endswith("/"):
                continue
            body = s3.get_object(Bucket=source_bucket, Key=key)["Body"].read()
            rows += sum(1 for line in body.decode().splitlines() if line.strip())
            target_key = target_prefix + key[len(source_prefix) :]
            s3.put_object(Bucket=target_bucket, Key=target_key, Body=body)
            copied.append(target_key)
    if not copied:
        raise RuntimeError(f"no files under {event['source']}")
    return {"copied": copied, "rows": rows}
