"""Popularity-based recommendations for the batch-recommendations pipeline."""

import csv
import io
from collections import Counter, defaultdict


def top_items(rows: list[dict[str, str]], top_n: int) -> dict[str, list[str]]:
    """For each user, the most popular items they have not interacted with yet.

    Popularity is the number of distinct users per item; ties go to the smaller item id, so
    the result does not depend on input order.
    """
    seen: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        seen[row["user_id"]].add(row["item_id"])
    popularity = Counter(item for items in seen.values() for item in items)
    ranked = sorted(popularity, key=lambda item: (-popularity[item], item))
    return {
        user: [item for item in ranked if item not in items][:top_n]
        for user, items in sorted(seen.items())
    }


def write_top_items(interactions_uri: str, output_uri: str, top_n: str | int) -> dict:
    """Reads the mapped interaction CSV files under a prefix and writes user,rank,item rows."""
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    hook = S3Hook()
    bucket, _, prefix = interactions_uri.removeprefix("s3://").partition("/")
    rows: list[dict[str, str]] = []
    for key in hook.list_keys(bucket_name=bucket, prefix=prefix) or []:
        if key.endswith(".csv"):
            rows.extend(csv.DictReader(io.StringIO(hook.read_key(key, bucket_name=bucket))))
    recommendations = top_items(rows, int(top_n))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["user_id", "rank", "item_id"])
    for user, items in recommendations.items():
        for rank, item in enumerate(items, start=1):
            writer.writerow([user, rank, item])
    out_bucket, _, out_key = output_uri.removeprefix("s3://").partition("/")
    hook.load_string(out.getvalue(), key=out_key, bucket_name=out_bucket, replace=True)
    return {"users": len(recommendations), "rows": len(rows)}
