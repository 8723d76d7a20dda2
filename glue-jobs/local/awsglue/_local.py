"""Where the shim finds data: local paths only.

Every location the shim or run_job.py is given passes through ``local_location``. Today it
refuses object-store URIs with a clear message. A later version could map ``s3://bucket/key``
to ``s3a://bucket/key`` against a local S3 endpoint (moto) instead, in this one place.
"""

OBJECT_STORE_SCHEMES = ("s3://", "s3a://", "s3n://")


class LocalOnlyError(ValueError):
    """A location the local shim cannot read."""


def is_object_store(value: str) -> bool:
    return value.strip().lower().startswith(OBJECT_STORE_SCHEMES)


def local_location(value: str) -> str:
    """``value`` if it is a local path (or file:// URI); LocalOnlyError for s3:// and kin."""
    if is_object_store(value):
        raise LocalOnlyError(
            f"{value}: local Glue runs read and write local paths only (no S3 mapping yet)"
        )
    return value
