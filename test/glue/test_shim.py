"""The local awsglue shim (glue-jobs/local/awsglue) and the job-argument helpers."""

import json

import glue_testing  # noqa: F401 - puts the shim and dagspec_glue on sys.path
import pytest
from awsglue._local import LocalOnlyError
from awsglue.context import CATALOG_ENV, EntityNotFoundException, GlueContext
from awsglue.dynamicframe import DynamicFrame
from awsglue.job import Job
from awsglue.utils import GlueArgumentError, getResolvedOptions
from dagspec_glue import jobargs
from dagspec_glue.errors import JobInputError

ARGV = ["job.py", "--JOB_NAME", "j", "--raw-path", "/data/raw", "--seed=7", "--extra", "x"]


def test_get_resolved_options_returns_argparse_keys():
    args = getResolvedOptions(ARGV, ["JOB_NAME", "raw-path", "seed"])
    assert args == {"JOB_NAME": "j", "raw_path": "/data/raw", "seed": "7"}


def test_get_resolved_options_requires_every_option_it_is_asked_for():
    with pytest.raises(GlueArgumentError, match="--output-path"):
        getResolvedOptions(ARGV, ["raw-path", "output-path"])


def test_optional_arguments_get_defaults_only_when_absent():
    args = jobargs.resolve(
        getResolvedOptions, ARGV, ["raw-path"], {"seed": "42", "max-bad-fraction": "0.01"}
    )
    assert args == {"raw_path": "/data/raw", "seed": "7", "max_bad_fraction": "0.01"}
    assert jobargs.as_int(args, "seed") == 7
    assert jobargs.as_fraction(args, "max-bad-fraction") == 0.01


@pytest.mark.parametrize(
    "parse, value, message",
    [
        (jobargs.as_int, "seven", "--x must be a whole number, got 'seven'"),
        (jobargs.as_fraction, "1.5", "--x must be a number from 0 to 1, got '1.5'"),
        (jobargs.as_fraction, "lots", "--x must be a number from 0 to 1, got 'lots'"),
        (jobargs.as_bool, "yes", "--x must be true or false, got 'yes'"),
    ],
)
def test_bad_argument_values_are_named(parse, value, message):
    with pytest.raises(JobInputError) as failure:
        parse({"x": value}, "x")
    assert str(failure.value) == message


def write_catalog(tmp_path, monkeypatch, location, **table):
    catalog = {
        "abalone": {
            "new": {"location": str(location), "columns": [["col0", "string"], ["col1", "double"]]}
            | table
        }
    }
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(catalog))
    monkeypatch.setenv(CATALOG_ENV, str(path))
    return path


def test_from_catalog_reads_the_table_with_its_column_types(spark, tmp_path, monkeypatch):
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "part-1.csv").write_text("M,0.5\nF,abc\n")
    write_catalog(tmp_path, monkeypatch, tmp_path / "new")
    glue = GlueContext(spark.sparkContext)
    frame = glue.create_dynamic_frame.from_catalog(database="abalone", table_name="new")
    df = frame.toDF()
    assert [(f.name, f.dataType.simpleString()) for f in df.schema.fields] == [
        ("col0", "string"),
        ("col1", "double"),
    ]
    assert sorted(tuple(r) for r in df.collect()) == [("F", None), ("M", 0.5)]
    assert glue.create_dynamic_frame_from_catalog("abalone", "new").count() == 2


def test_from_catalog_reports_a_missing_table(spark, tmp_path, monkeypatch):
    path = write_catalog(tmp_path, monkeypatch, tmp_path)
    glue = GlueContext(spark.sparkContext)
    with pytest.raises(EntityNotFoundException, match=f"table abalone.old not found in {path}"):
        glue.create_dynamic_frame.from_catalog(database="abalone", table_name="old")
    monkeypatch.delenv(CATALOG_ENV)
    with pytest.raises(EntityNotFoundException, match=CATALOG_ENV):
        glue.create_dynamic_frame.from_catalog(database="abalone", table_name="new")


def test_the_shim_refuses_s3_locations(spark, tmp_path, monkeypatch):
    write_catalog(tmp_path, monkeypatch, "s3://bucket/abalone/new/")
    glue = GlueContext(spark.sparkContext)
    with pytest.raises(LocalOnlyError, match="local paths only"):
        glue.create_dynamic_frame.from_catalog(database="abalone", table_name="new")
    with pytest.raises(LocalOnlyError):
        glue.create_dynamic_frame.from_options("s3", {"paths": ["s3a://bucket/x"]}, "csv")


def test_from_options_reads_csv_as_strings_named_like_glue(spark, tmp_path):
    (tmp_path / "a.csv").write_text("u1,10\nu2,11\n")
    glue = GlueContext(spark.sparkContext)
    frame = glue.create_dynamic_frame.from_options(
        connection_type="s3", connection_options={"paths": [str(tmp_path / "a.csv")]}, format="csv"
    )
    df = frame.toDF()
    assert df.columns == ["col0", "col1"]
    assert sorted(tuple(r) for r in df.collect()) == [("u1", "10"), ("u2", "11")]


def test_dynamic_frame_and_job_round_trip(spark):
    glue = GlueContext(spark.sparkContext)
    df = spark.createDataFrame([(1,)], "a int")
    frame = DynamicFrame.fromDF(df, glue, "x")
    assert frame.toDF() is df and frame.name == "x" and frame.count() == 1
    job = Job(glue)
    with pytest.raises(RuntimeError, match="before Job.init"):
        job.commit()
    job.init("j", {"a": "b"})
    job.commit()
    assert job.committed
