"""The abalone preprocessing transforms (glue-jobs/dagspec_glue/abalone.py) on the real data.

Most tests share one run over the real UCI file plus a survey made from it: 299 rows copied
from the raw data (some re-formatted: padded sex, trailing zeros), 100 new rows and 20
repeats of new rows. Expected results are computed here in plain Python from the same lines.
"""

import os
from collections import Counter

import glue_testing as gt
import pytest
from dagspec_glue import abalone
from dagspec_glue.errors import JobInputError
from pyspark.sql import functions as F

SEX_OF = {(1, 0, 0): "F", (0, 1, 0): "I", (0, 0, 1): "M"}


def parse_input(line: str) -> tuple:
    """A valid input line as (sex, 7 measurements, rings), the job's notion of a row."""
    fields = [f.strip() for f in line.split(",")]
    return (fields[0], *(float(v) for v in fields[1:8]), int(float(fields[8])))


def parse_output(row: list[str]) -> tuple:
    """An output CSV row (rings, sex_F, sex_I, sex_M, measurements) back to an input tuple."""
    assert len(row) == 11
    one_hot = tuple(int(v) for v in row[1:4])
    return (SEX_OF[one_hot], *(float(v) for v in row[4:11]), int(row[0]))


def reformat(line: str) -> str:
    """The same row written differently: sex padded, a trailing zero on each measurement."""
    fields = line.split(",")
    return ",".join(
        [f" {fields[0]} ", *(v + "0" if "." in v else v for v in fields[1:8]), fields[8]]
    )


def new_row(line: str, k: int) -> str:
    """A row not in the raw data: the length of a raw row changed a little."""
    fields = line.split(",")
    fields[1] = f"{float(fields[1]) + 0.00001 * (k + 1):.6f}"
    return ",".join(fields)


def write_lines(path, lines) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines))
    return str(path)


def run(spark, raw_path, survey_path, output, **options):
    raw = abalone.Source("raw", raw_path, abalone.read_csv(spark, raw_path))
    survey = abalone.Source("survey", survey_path, abalone.read_csv(spark, survey_path))
    return abalone.run(spark, raw, survey, str(output), **options)


def split_rows(output) -> dict[str, list[tuple]]:
    return {
        name: [parse_output(r) for r in gt.read_csv_folder(os.path.join(output, name))]
        for name in abalone.SPLITS
    }


@pytest.fixture(scope="module")
def survey_lines(abalone_lines) -> list[str]:
    copies = [
        reformat(line) if i % 28 == 0 else line
        for i, line in enumerate(abalone_lines)
        if i % 14 == 0
    ]
    new = [new_row(abalone_lines[7 + 40 * k], k) for k in range(100)]
    return copies + new + new[:20]


@pytest.fixture(scope="module")
def merged(spark, abalone_lines, survey_lines, tmp_path_factory):
    """One run over the real data and the survey: (manifest, output folder, expected rows)."""
    tmp = tmp_path_factory.mktemp("abalone")
    survey = write_lines(tmp / "survey" / "survey-1.csv", survey_lines)
    manifest = run(spark, str(gt.ABALONE), survey, tmp / "out")
    expected = {parse_input(line) for line in abalone_lines + survey_lines}
    return manifest, str(tmp / "out"), expected


def test_manifest_counts_every_input_row(merged, abalone_lines, survey_lines):
    manifest, output, expected = merged
    assert manifest["inputs"]["raw"]["rows"] == 4177
    assert manifest["inputs"]["survey"]["rows"] == len(survey_lines) == 419
    assert manifest["rows_in"] == 4177 + 419
    assert manifest["rejected"]["rows"] == 0
    assert manifest["rows_out"] == len(expected) == 4177 + 100
    assert manifest["duplicates_removed"] == 299 + 20
    assert sum(s["rows"] for s in manifest["splits"].values()) == len(expected)
    assert manifest["columns"] == list(abalone.OUTPUT_COLUMNS)
    assert manifest["seed"] == 42
    assert gt.read_json(os.path.join(output, "manifest.json")) == manifest


def test_splits_hold_each_distinct_input_row_exactly_once(merged):
    manifest, output, expected = merged
    rows = split_rows(output)
    everything = Counter(row for split in rows.values() for row in split)
    assert everything == Counter(expected)  # nothing lost, nothing twice, across all splits
    for name, split in rows.items():
        assert len(split) == manifest["splits"][name]["rows"]


def test_split_sizes_are_80_15_5(merged):
    manifest, _, expected = merged
    fractions = {name: s["rows"] / len(expected) for name, s in manifest["splits"].items()}
    assert fractions["training"] == pytest.approx(0.80, abs=0.02)
    assert fractions["validation"] == pytest.approx(0.15, abs=0.02)
    assert fractions["test"] == pytest.approx(0.05, abs=0.015)


def test_column_order_and_encoding_are_exact(merged):
    _, output, _ = merged
    lines = {
        ",".join(row) for name in abalone.SPLITS for row in gt.read_csv_folder(f"{output}/{name}")
    }
    # Raw lines 1, 3, 5 and 237 (M, F, I, and a value Spark writes in exponent form):
    # M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15
    assert "15,0,0,1,0.455,0.365,0.095,0.514,0.2245,0.101,0.15" in lines
    # F,0.53,0.42,0.135,0.677,0.2565,0.1415,0.21,9
    assert "9,1,0,0,0.53,0.42,0.135,0.677,0.2565,0.1415,0.21" in lines
    # I,0.33,0.255,0.08,0.205,0.0895,0.0395,0.055,7
    assert "7,0,1,0,0.33,0.255,0.08,0.205,0.0895,0.0395,0.055" in lines
    # I,0.075,0.055,0.01,0.002,0.001,0.0005,0.0015,1
    assert "1,0,1,0,0.075,0.055,0.01,0.002,0.001,5.0E-4,0.0015" in lines
    for line in lines:
        fields = line.split(",")
        assert len(fields) == 11
        assert fields[0].isdigit()  # rings, an integer, first
        assert sorted(fields[1:4]) == ["0", "0", "1"]  # exactly one sex column set


def test_sex_counts_survive_encoding(merged):
    _, output, expected = merged
    encoded = Counter(row[0] for split in split_rows(output).values() for row in split)
    assert encoded == Counter(row[0] for row in expected)
    assert set(encoded) == {"F", "I", "M"}


def test_duplicates_across_raw_and_survey_appear_once(merged, abalone_lines):
    _, output, _ = merged
    rows = [row for split in split_rows(output).values() for row in split]
    counts = Counter(rows)
    # Raw line 1 is in the survey re-formatted (" M ", "0.4550", ...) and still matches.
    assert reformat(abalone_lines[0]) != abalone_lines[0]
    assert counts[parse_input(abalone_lines[0])] == 1
    assert counts[parse_input(abalone_lines[14])] == 1
    assert counts[parse_input(new_row(abalone_lines[7], 0))] == 1  # repeated in the survey


def checked_raw(spark, partitions: int):
    parsed = abalone.read_csv(spark, str(gt.ABALONE)).repartition(partitions)
    return abalone.check_rows(parsed, "raw")


def assignments(frame, seed) -> dict[tuple, str]:
    # Collecting is fine here: a test over 4177 rows, not the job.
    labelled = abalone.assign_splits(abalone.distinct_rows(frame), seed)
    return {
        (r["sex"], *(r[m] for m in abalone.MEASUREMENTS), r["rings"]): r["split"]
        for r in labelled.collect()
    }


def test_same_seed_gives_same_split_whatever_the_partitioning(spark, merged):
    one = assignments(checked_raw(spark, 1), 42)
    seven = assignments(checked_raw(spark, 7).orderBy(F.rand(3)), 42)
    assert len(one) == 4177
    assert one == seven
    # And the job's own run (raw + survey, 4 shuffle partitions) agrees on every raw row.
    _, output, _ = merged
    written = {row: name for name, split in split_rows(output).items() for row in split}
    assert all(written[row] == split for row, split in one.items())


def test_a_different_seed_gives_a_different_split(spark):
    frame = checked_raw(spark, 2)
    first, second = assignments(frame, 42), assignments(frame, 7)
    moved = sum(first[row] != second[row] for row in first)
    # Independent 80/15/5 draws disagree on about 1 - (.64 + .0225 + .0025) = 33 % of rows.
    assert 0.25 < moved / len(first) < 0.42
    training = sum(split == "training" for split in second.values()) / len(second)
    assert training == pytest.approx(0.80, abs=0.02)


def test_rerun_with_the_same_seed_writes_the_same_splits(spark, merged, survey_lines, tmp_path):
    manifest, output, _ = merged
    survey = write_lines(tmp_path / "survey.csv", list(reversed(survey_lines)))
    again = run(spark, str(gt.ABALONE), survey, tmp_path / "out")
    assert again["splits"] == {
        name: {**s, "location": f"{tmp_path}/out/{name}"} for name, s in manifest["splits"].items()
    }
    first, second = split_rows(output), split_rows(tmp_path / "out")
    assert {n: Counter(rows) for n, rows in first.items()} == {
        n: Counter(rows) for n, rows in second.items()
    }


def test_header_row_is_rejected_and_the_rest_goes_through(spark, abalone_lines, tmp_path):
    header = (
        "Sex,Length,Diameter,Height,Whole weight,Shucked weight,Viscera weight,Shell weight,Rings"
    )
    raw = write_lines(tmp_path / "raw.csv", [header, *abalone_lines])
    survey = write_lines(tmp_path / "survey.csv", [])
    manifest = run(spark, raw, survey, tmp_path / "out")
    assert manifest["inputs"]["raw"]["rejected_by_reason"]["header_row"] == 1
    assert manifest["rejected"]["rows"] == 1
    assert manifest["rows_out"] == 4177
    assert gt.read_json_folder(tmp_path / "out" / "rejected") == [
        {"source": "raw", "reason": "header_row", "detail": "header row", "record": header}
    ]


BAD_ROWS = [
    ("F,0.53,0.42,0.135", "wrong_field_count", "expected 9 fields, got 4"),
    ("F,0.53,0.42,0.135,0.677,0.2565,0.1415,0.21,9,1", "wrong_field_count", "expected 9 fields, got 10"),
    ("F,abc,0.42,0.135,0.677,0.2565,0.1415,0.21,9", "not_a_number", "length 'abc' is not a number"),
    ("F,0.53,0.42,NaN,0.677,0.2565,0.1415,0.21,9", "not_a_number", "height 'NaN' is not a number"),
    ("F,0.53,0.42,0.135,,0.2565,0.1415,0.21,9", "not_a_number", "whole_weight is missing"),
    ("X,0.53,0.42,0.135,0.677,0.2565,0.1415,0.21,9", "unknown_sex", "sex 'X' is not one of F, I, M"),
    ("f,0.53,0.42,0.135,0.677,0.2565,0.1415,0.21,9", "unknown_sex", "sex 'f' is not one of F, I, M"),
    ("M,0.53,0.42,0.135,0.677,0.2565,0.1415,0.21,7.5", "rings_not_a_whole_number", "rings '7.5' is not a whole number >= 0"),
    ("M,0.53,0.42,0.135,0.677,0.2565,0.1415,0.21,-1", "rings_not_a_whole_number", "rings '-1' is not a whole number >= 0"),
    ("M,0.53,0.42,0.135,0.677,0.2565,0.1415,0.21,ten", "not_a_number", "rings 'ten' is not a number"),
]  # fmt: skip


def test_malformed_rows_are_counted_and_written_aside(spark, abalone_lines, tmp_path):
    good = ["I,0.2,0.15,0.05,0.1,0.04,0.02,0.03,4", "M,0.6,0.47,0.16,1.1,0.45,0.24,0.3,12.0"]
    survey = write_lines(tmp_path / "survey.csv", [r for r, _, _ in BAD_ROWS] + ["", *good])
    manifest = run(spark, str(gt.ABALONE), survey, tmp_path / "out")
    inputs = manifest["inputs"]["survey"]
    assert inputs["rows"] == len(BAD_ROWS) + 2  # the reader skips the blank line
    assert inputs["rejected"] == len(BAD_ROWS)
    assert inputs["rejected_by_reason"] == {
        "wrong_field_count": 2,
        "header_row": 0,
        "unknown_sex": 2,
        "not_a_number": 4,
        "rings_not_a_whole_number": 2,
        "unreadable_line": 0,
    }
    assert manifest["rows_out"] == 4177 + 2  # the good survey rows ("12.0" rings is 12)
    rejected = gt.read_json_folder(tmp_path / "out" / "rejected")
    assert sorted((r["record"], r["reason"], r["detail"]) for r in rejected) == sorted(BAD_ROWS)
    assert {r["source"] for r in rejected} == {"survey"}
    written = {row for split in split_rows(tmp_path / "out").values() for row in split}
    assert ("M", 0.6, 0.47, 0.16, 1.1, 0.45, 0.24, 0.3, 12) in written


def test_too_many_bad_rows_fail_the_job_with_a_clear_message(spark, abalone_lines, tmp_path):
    raw = write_lines(tmp_path / "raw.csv", abalone_lines[:50])
    survey = write_lines(tmp_path / "survey.csv", [r for r, _, _ in BAD_ROWS])
    output = tmp_path / "out"
    with pytest.raises(JobInputError) as failure:
        run(spark, raw, survey, output)
    message = str(failure.value)
    assert "10 of 60 input rows (16.67%) are malformed" in message
    assert (
        "wrong_field_count 2, unknown_sex 2, not_a_number 4, rings_not_a_whole_number 2" in message
    )
    assert "--max-bad-fraction 0.01" in message
    assert f"{output}/rejected" in message
    assert len(gt.read_json_folder(output / "rejected")) == 10  # written before failing
    assert not (output / "training").exists()
    assert not (output / "manifest.json").exists()
    # The same input passes when the threshold allows it.
    manifest = run(spark, raw, survey, output, max_bad_fraction=0.2)
    assert manifest["rows_out"] == 50
    assert (output / "manifest.json").exists()


def test_a_failed_run_removes_the_previous_manifest(spark, abalone_lines, tmp_path):
    output = tmp_path / "out"
    raw = write_lines(tmp_path / "raw.csv", abalone_lines[:100])
    empty = write_lines(tmp_path / "empty.csv", [])
    run(spark, raw, empty, output)
    assert (output / "manifest.json").exists()
    bad = write_lines(tmp_path / "bad.csv", [r for r, _, _ in BAD_ROWS])
    with pytest.raises(JobInputError):
        run(spark, raw, bad, output)
    assert not (output / "manifest.json").exists()  # stale splits are not vouched for


def test_empty_input_fails_clearly(spark, tmp_path):
    raw = write_lines(tmp_path / "raw.csv", [])
    (tmp_path / "survey").mkdir()
    with pytest.raises(JobInputError, match=r"^no input rows: raw \(.*raw.csv\) and survey"):
        run(spark, raw, str(tmp_path / "survey"), tmp_path / "out")


def test_blank_lines_only_is_empty_input(spark, tmp_path):
    raw = write_lines(tmp_path / "raw.csv", ["", ""])
    survey = write_lines(tmp_path / "survey.csv", [])
    with pytest.raises(JobInputError, match="no input rows"):
        run(spark, raw, survey, tmp_path / "out")


def test_rows_missing_a_column_are_rejected_and_fail_the_job(spark, abalone_lines, tmp_path):
    # A survey exported without its rings column: every row has 8 fields.
    survey = write_lines(
        tmp_path / "survey.csv", [line.rsplit(",", 1)[0] for line in abalone_lines[:100]]
    )
    with pytest.raises(JobInputError, match=r"100 of 4277 .*\(wrong_field_count 100\)"):
        run(spark, str(gt.ABALONE), survey, tmp_path / "out")


CATALOG_SCHEMA = (
    "col0 string, col1 double, col2 double, col3 double, col4 double, col5 double, "
    "col6 double, col7 double, col8 bigint"
)


def test_catalog_rows_are_checked_like_text_rows(spark, abalone_lines):
    # As a crawler types the survey table: doubles, and a bigint for rings.
    rows = [parse_input(line) for line in abalone_lines[:200]]
    rows.append(("M", 0.5, None, 0.1, 0.2, 0.1, 0.05, 0.07, 9))  # a value the type could not hold
    frame = spark.createDataFrame(rows, CATALOG_SCHEMA)
    checked = abalone.check_rows(abalone.from_table(frame, "survey table abalone.new"), "s")
    good = checked.where(F.col("reason").isNull()).select(*abalone.INPUT_COLUMNS).collect()
    assert sorted(tuple(r) for r in good) == sorted(rows[:200])
    bad = checked.where(F.col("reason").isNotNull()).collect()
    assert [(r["reason"], r["detail"], r["record"]) for r in bad] == [
        ("not_a_number", "diameter is missing", "M,0.5,,0.1,0.2,0.1,0.05,0.07,9")
    ]


def test_catalog_string_columns_with_non_numbers_are_rejected(spark):
    # A crawler types a column string when one of its values is not a number.
    schema = CATALOG_SCHEMA.replace("col2 double", "col2 string")
    rows = [
        ("F", 0.5, "0.4", 0.1, 0.2, 0.1, 0.05, 0.07, 9),
        ("F", 0.5, "n/a", 0.1, 0.2, 0.1, 0.05, 0.07, 9),
    ]
    frame = spark.createDataFrame(rows, schema)
    checked = abalone.check_rows(abalone.from_table(frame, "survey table abalone.new"), "s")
    good, bad = checked.orderBy(F.col("reason").asc_nulls_first()).collect()
    assert (good["reason"], good["diameter"]) == (None, 0.4)
    assert (bad["reason"], bad["detail"], bad["record"]) == (
        "not_a_number",
        "diameter 'n/a' is not a number",
        "F,0.5,n/a,0.1,0.2,0.1,0.05,0.07,9",
    )


def test_a_catalog_table_missing_a_column_fails_naming_the_columns(spark):
    frame = spark.createDataFrame([], CATALOG_SCHEMA.rsplit(",", 1)[0])
    with pytest.raises(JobInputError) as failure:
        abalone.from_table(frame, "survey table abalone.new")
    assert str(failure.value) == (
        "survey table abalone.new has 8 columns (col0, col1, col2, col3, col4, col5, col6, "
        "col7); expected 9, in this order: sex, length, diameter, height, whole_weight, "
        "shucked_weight, viscera_weight, shell_weight, rings"
    )
