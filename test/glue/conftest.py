"""Fixtures for the Glue job tests: one local SparkSession for the whole run, the real data."""

import os
import sys

import glue_testing
import pytest


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.master("local[2]").appName("dagspec-glue-tests")
    for key, value in glue_testing.SPARK_CONF.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def abalone_lines() -> list[str]:
    """The 4177 lines of the real UCI abalone file (data/abalone/abalone.data)."""
    return glue_testing.ABALONE.read_text().splitlines()
