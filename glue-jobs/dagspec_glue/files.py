"""Small files (the run manifest) written next to a job's Spark outputs.

Spark writes data as folders of part files; a manifest is one small JSON document. It is
written through the Hadoop FileSystem API of the running Spark session, so the same call writes
to ``s3://`` on Glue (EMRFS), to ``s3a://`` elsewhere and to a local path in tests, without
boto3 and without collecting any data to the driver.
"""

import json
from typing import Any

from pyspark.sql import SparkSession


def _filesystem(spark: SparkSession, location: str):
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(location)
    fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    # A local file system would also write a hidden .crc file beside each file; skip it.
    fs.setWriteChecksum(False)
    return fs, path


def join(base: str, *parts: str) -> str:
    """Join a folder location (local path or URI) and child names with single slashes."""
    return "/".join([base.rstrip("/"), *(part.strip("/") for part in parts)])


def write_json(spark: SparkSession, location: str, document: Any) -> None:
    """Write ``document`` as pretty JSON to the file at ``location``, replacing it."""
    fs, path = _filesystem(spark, location)
    data = (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")
    stream = fs.create(path, True)
    try:
        stream.write(bytearray(data))
    finally:
        stream.close()


def delete(spark: SparkSession, location: str) -> None:
    """Delete the file at ``location`` if it exists."""
    fs, path = _filesystem(spark, location)
    if fs.exists(path):
        fs.delete(path, False)
