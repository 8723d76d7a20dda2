"""The Glue entry points end to end, each run by glue-jobs/local/run_job.py in a subprocess.

These runs start their own Spark (a few seconds each), read and write files in tmp_path, and
check exit status, messages, outputs and manifests the way an operator or a downstream task
would see them.
"""

import json
import runpy
import subprocess
import sys
import zipfile

import glue_testing as gt
import pytest
from dagspec_glue import abalone
from dagspec_glue.errors import JobInputError

ABALONE_JOB = gt.GLUE_JOBS / "abalone_preprocess.py"
MAPPING_JOB = gt.GLUE_JOBS / "apply_mapping.py"
CRAWLED_COLUMNS = [["col0", "string"]] + [[f"col{i}", "double"] for i in range(1, 8)]
CRAWLED_COLUMNS += [["col8", "bigint"]]


def run_job(script, *args, catalog=None):
    command = [sys.executable, str(gt.RUN_JOB)]
    for key, value in gt.SPARK_CONF.items():
        command += ["--conf", f"{key}={value}"]
    if catalog:
        command += ["--catalog", str(catalog)]
    command += [str(script), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def test_abalone_job_reads_the_crawled_table_and_writes_splits(tmp_path, abalone_lines):
    survey = tmp_path / "abalone" / "new"
    survey.mkdir(parents=True)
    # A survey as the book's generator writes it: some rows the raw data already has.
    (survey / "abalone.20240101").write_text("\n".join(abalone_lines[:40] + [
        "F,0.61,0.48,0.17,1.2,0.5,0.25,0.33,11",
        "I,0.31,0.23,0.07,0.18,0.08,0.04,0.05,6",
    ]) + "\n")  # fmt: skip
    catalog = tmp_path / "catalog.json"
    table = {"location": str(survey), "columns": CRAWLED_COLUMNS}
    catalog.write_text(json.dumps({"abalone": {"new": table}}))
    output = tmp_path / "curated"

    result = run_job(
        ABALONE_JOB,
        *("--raw-path", gt.ABALONE, "--survey-database", "abalone", "--survey-table", "new"),
        *("--output-path", output, "--seed", 42),
        catalog=catalog,
    )

    assert result.returncode == 0, result.stderr
    assert "abalone_preprocess: 4219 rows in, 0 rejected, 40 duplicates removed" in result.stdout
    manifest = gt.read_json(output / "manifest.json")
    assert manifest["inputs"]["survey"]["location"] == "catalog table abalone.new"
    assert manifest["inputs"]["survey"]["rows"] == 42
    assert manifest["rows_out"] == 4179
    for name in ("training", "validation", "test"):
        rows = gt.read_csv_folder(output / name)
        assert len(rows) == manifest["splits"][name]["rows"] > 0
        assert all(len(row) == len(abalone.OUTPUT_COLUMNS) for row in rows)
    written = {",".join(r) for name in abalone.SPLITS for r in gt.read_csv_folder(output / name)}
    assert "11,1,0,0,0.61,0.48,0.17,1.2,0.5,0.25,0.33" in written
    assert gt.read_json_folder(output / "rejected") == []


def test_abalone_job_fails_with_a_clear_message_on_too_many_bad_rows(tmp_path, abalone_lines):
    survey = tmp_path / "survey.csv"
    survey.write_text("".join(line.rsplit(",", 1)[0] + "\n" for line in abalone_lines[:60]))
    output = tmp_path / "curated"
    result = run_job(
        ABALONE_JOB,
        *("--raw-path", gt.ABALONE, "--survey-path", survey, "--output-path", output),
    )
    assert result.returncode == 1
    assert last_line(result.stderr) == (
        "run_job: abalone_preprocess.py failed: 60 of 4237 input rows (1.42%) are malformed "
        "(wrong_field_count 60), more than --max-bad-fraction 0.01; no splits were written. "
        f"Each rejected row and its reason is in {output}/rejected"
    )
    assert len(gt.read_json_folder(output / "rejected")) == 60
    assert not (output / "training").exists()


def test_abalone_job_fails_clearly_on_empty_input(tmp_path):
    (tmp_path / "raw.data").write_text("")
    (tmp_path / "new").mkdir()
    result = run_job(
        ABALONE_JOB,
        *("--raw-path", tmp_path / "raw.data", "--survey-path", tmp_path / "new"),
        *("--output-path", tmp_path / "out"),
    )
    assert result.returncode == 1
    assert "failed: no input rows: raw (" in last_line(result.stderr)


def test_run_job_refuses_s3_locations_before_starting_spark(tmp_path):
    result = run_job(
        ABALONE_JOB, "--raw-path", "s3://bucket/abalone/raw/abalone.data", "--output-path", "x"
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "run_job: local runs read and write local paths only; got "
        "s3://bucket/abalone/raw/abalone.data"
    )


def test_abalone_job_wants_exactly_one_form_of_survey_input(spark):
    main = runpy.run_path(str(ABALONE_JOB), run_name="test")["main"]
    base = ["abalone_preprocess.py", "--JOB_NAME", "t", "--raw-path", "r", "--output-path", "o"]
    both = ["--survey-path", "s", "--survey-database", "d", "--survey-table", "t"]
    for extra in ([], both, ["--survey-database", "d"]):
        with pytest.raises(JobInputError, match="either as --survey-database and --survey-table"):
            main(base + extra)
    with pytest.raises(JobInputError, match="--seed must be a whole number"):
        main(base + ["--survey-path", "s", "--seed", "x"])


def test_apply_mapping_job_writes_the_target_and_the_audit(spark, tmp_path):
    source = tmp_path / "interactions"
    source.mkdir()
    (source / "part-1.csv").write_text(
        "USER_ID,ITEM_ID,TIMESTAMP\n" + "".join(f"u{i},i{i % 5},{1700000000 + i}\n" for i in range(99))
    )  # fmt: skip
    (source / "part-2.csv").write_text("USER_ID,ITEM_ID,TIMESTAMP\nu99,i4,not-a-time\n")
    mappings = [
        ["USER_ID", "string", "user_id", "string"],
        ["ITEM_ID", "string", "item_id", "string"],
        ["TIMESTAMP", "long", "timestamp", "long"],
    ]
    result = run_job(
        MAPPING_JOB,
        *("--source-path", source, "--header", "true", "--mappings", json.dumps(mappings)),
        *("--target-path", tmp_path / "target", "--target-format", "parquet"),
        *("--audit-path", tmp_path / "audit", "--max-bad-fraction", "0.05"),
    )
    assert result.returncode == 0, result.stderr
    assert "apply_mapping: 100 rows in, 99 written, 1 rejected" in result.stdout
    target = spark.read.parquet(str(tmp_path / "target"))
    assert target.dtypes == [("user_id", "string"), ("item_id", "string"), ("timestamp", "bigint")]
    assert target.count() == 99
    assert target.where("user_id = 'u42'").first()["timestamp"] == 1700000042
    manifest = gt.read_json(tmp_path / "audit" / "manifest.json")
    assert manifest["rejected"]["by_reason"] == {"wrong_field_count": 0, "cast_failed": 1}
    [rejected] = gt.read_json_folder(tmp_path / "audit" / "rejected")
    assert rejected["detail"] == "TIMESTAMP 'not-a-time' is not a long"


def test_apply_mapping_job_names_a_missing_source_column(tmp_path):
    (tmp_path / "s.csv").write_text("USER_ID,ITEM_ID\nu1,i1\n")
    result = run_job(
        MAPPING_JOB,
        *("--source-path", tmp_path / "s.csv", "--header", "true"),
        *("--mappings", '[["TIMESTAMP", "long", "timestamp", "long"]]'),
        *(
            "--target-path",
            tmp_path / "t",
            "--target-format",
            "csv",
            "--audit-path",
            tmp_path / "a",
        ),
    )
    assert result.returncode == 1
    assert last_line(result.stderr) == (
        "run_job: apply_mapping.py failed: mapping for target column 'timestamp' names source "
        "column 'TIMESTAMP', which the source does not have; its columns are: USER_ID, ITEM_ID"
    )


def test_dagspec_glue_imports_from_a_zip_as_extra_py_files_ships_it(tmp_path):
    archive = tmp_path / "dagspec_glue.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted((gt.GLUE_JOBS / "dagspec_glue").glob("*.py")):
            zf.write(path, f"dagspec_glue/{path.name}")
    check = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from dagspec_glue import abalone, mapping, jobargs, files;"
        "print(abalone.__file__); print(','.join(abalone.OUTPUT_COLUMNS))"
    )
    result = subprocess.run(
        [sys.executable, "-c", check, str(archive)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    origin, columns = result.stdout.split()
    assert origin == f"{archive}/dagspec_glue/abalone.py"
    assert columns == (
        "rings,sex_F,sex_I,sex_M,length,diameter,height,whole_weight,shucked_weight,"
        "viscera_weight,shell_weight"
    )
