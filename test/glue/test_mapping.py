"""The generic rename-and-cast transforms (glue-jobs/dagspec_glue/mapping.py)."""

import json

import glue_testing as gt
import pytest
from dagspec_glue import mapping
from dagspec_glue.errors import JobInputError

INTERACTIONS = json.dumps(
    [
        ["USER_ID", "string", "user_id", "string"],
        ["ITEM_ID", "string", "item_id", "string"],
        ["TIMESTAMP", "long", "timestamp", "long"],
    ]
)


def write(path, text: str) -> str:
    path.write_text(text)
    return str(path)


def run(spark, source_path, mappings_json, tmp_path, header=True, **options):
    source = mapping.read_delimited(spark, source_path, ",", header)
    options.setdefault("target_format", "parquet")
    return mapping.run(
        spark,
        source,
        source_path,
        mapping.parse_mappings(mappings_json),
        str(tmp_path / "target"),
        audit_path=str(tmp_path / "audit"),
        **options,
    )


@pytest.mark.parametrize(
    "text, message",
    [
        ("[[", "--mappings is not valid JSON"),
        ("{}", "--mappings must be a non-empty JSON list of 4-item lists"),
        ("[]", "--mappings must be a non-empty JSON list of 4-item lists"),
        ('[["a", "string", "b"]]', '--mappings item 0 is ["a", "string", "b"]; expected'),
        ('[["a", "string", "b", 1]]', "--mappings item 0 is"),
        ('[["a", "str", "b", "string"]]', "unknown type 'str'; use one of string, long"),
        ('[["a", "string", "b", "decimal(40,2)"]]', "unknown type 'decimal(40,2)'"),
        (
            '[["a", "string", "b", "long"], ["c", "string", "b", "int"]]',
            "target column(s) twice: b",
        ),
    ],
)
def test_bad_mappings_are_refused_with_a_message(text, message):
    with pytest.raises(JobInputError) as failure:
        mapping.parse_mappings(text)
    assert message in str(failure.value)


def test_glue_type_names_map_to_spark_types():
    assert mapping.spark_type("long") == "bigint"
    assert mapping.spark_type("Integer") == "int"
    assert mapping.spark_type("decimal(10, 2)") == "decimal(10,2)"
    assert mapping.spark_type("timestamp") == "timestamp"


def test_interactions_are_renamed_and_cast(spark, tmp_path):
    source = write(
        tmp_path / "interactions.csv",
        "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n"
        "u1,i9,1589212800,click\n"
        "u2,i7,1589212801,buy\n"
        "007,i7,,click\n",  # a leading zero stays (string); an empty timestamp is missing
    )
    manifest = run(spark, source, INTERACTIONS, tmp_path)
    target = spark.read.parquet(str(tmp_path / "target"))
    assert [(f.name, f.dataType.simpleString()) for f in target.schema.fields] == [
        ("user_id", "string"),
        ("item_id", "string"),
        ("timestamp", "bigint"),
    ]
    assert sorted(tuple(r) for r in target.collect()) == [
        ("007", "i7", None),
        ("u1", "i9", 1589212800),
        ("u2", "i7", 1589212801),
    ]
    assert manifest["rows_in"] == 3
    assert manifest["rows_out"] == 3
    assert manifest["rejected"]["rows"] == 0
    assert gt.read_json(tmp_path / "audit" / "manifest.json") == manifest


def test_failed_casts_are_rejected_not_turned_into_nulls(spark, tmp_path):
    source = write(
        tmp_path / "interactions.csv",
        "USER_ID,ITEM_ID,TIMESTAMP\n"
        + "".join(f"u{i},i{i % 7},{1589212800 + i}\n" for i in range(20))
        + "u20,i1,yesterday\n"
        + "u21,i1,1589212800.5\n"
        + "u22,i1\n"
        + "u23,i1,1589212800,extra\n",
    )
    manifest = run(spark, source, INTERACTIONS, tmp_path, max_bad_fraction=0.2)
    assert manifest["rows_in"] == 24
    assert manifest["rows_out"] == 20
    assert manifest["rejected"]["by_reason"] == {"wrong_field_count": 2, "cast_failed": 2}
    rejected = gt.read_json_folder(tmp_path / "audit" / "rejected")
    assert sorted((r["reason"], r["detail"], r["record"]) for r in rejected) == [
        (
            "cast_failed",
            "TIMESTAMP '1589212800.5' is not a long",
            '{"USER_ID":"u21","ITEM_ID":"i1","TIMESTAMP":"1589212800.5"}',
        ),
        (
            "cast_failed",
            "TIMESTAMP 'yesterday' is not a long",
            '{"USER_ID":"u20","ITEM_ID":"i1","TIMESTAMP":"yesterday"}',
        ),
        ("wrong_field_count", "expected 3 fields", "u22,i1"),
        ("wrong_field_count", "expected 3 fields", "u23,i1,1589212800,extra"),
    ]
    target = spark.read.parquet(str(tmp_path / "target"))
    assert target.where("timestamp IS NULL").count() == 0
    assert target.count() == 20


def test_a_conversion_that_does_not_fit_the_target_type_is_rejected(spark, tmp_path):
    source = write(tmp_path / "s.csv", "A\n1\n300\n")
    manifest = run(spark, source, '[["A", "int", "a", "byte"]]', tmp_path, max_bad_fraction=0.5)
    assert manifest["rows_out"] == 1
    [rejected] = gt.read_json_folder(tmp_path / "audit" / "rejected")
    assert rejected["detail"] == "A '300' does not convert from int to byte"


def test_no_header_means_glue_column_names_and_csv_target(spark, tmp_path):
    source = write(tmp_path / "s.tsv", "x\t2024-05-01\t12.50\ny\t2024-05-02\t3\n")
    frame = mapping.read_delimited(spark, source, "\t", header=False)
    assert frame.columns[:3] == ["col0", "col1", "col2"]
    mappings = mapping.parse_mappings(
        '[["col2", "string", "price", "decimal(10,2)"], ["col1", "string", "day", "date"],'
        ' ["col0", "string", "name", "string"]]'
    )
    manifest = mapping.run(
        spark, frame, source, mappings, str(tmp_path / "t"), "csv", str(tmp_path / "a")
    )
    assert manifest["rows_out"] == 2
    rows = gt.read_csv_folder(tmp_path / "t")
    headers = [row for row in rows if row == ["price", "day", "name"]]
    assert headers  # Spark writes the header into each part file that has rows
    assert sorted(row for row in rows if row not in headers) == [
        ["12.50", "2024-05-01", "x"],
        ["3.00", "2024-05-02", "y"],
    ]


def test_a_mapping_naming_a_missing_column_fails_naming_it(spark, tmp_path):
    source = write(tmp_path / "s.csv", "USER_ID,ITEM_ID\nu1,i1\n")
    with pytest.raises(JobInputError) as failure:
        run(spark, source, INTERACTIONS, tmp_path)
    assert str(failure.value) == (
        "mapping for target column 'timestamp' names source column 'TIMESTAMP', which the "
        "source does not have; its columns are: USER_ID, ITEM_ID"
    )


def test_too_many_rejected_rows_fail_without_writing_the_target(spark, tmp_path):
    source = write(tmp_path / "s.csv", "USER_ID,ITEM_ID,TIMESTAMP\nu1,i1,1\nu2,i2,soon\n")
    with pytest.raises(JobInputError) as failure:
        run(spark, source, INTERACTIONS, tmp_path)
    assert str(failure.value).startswith(
        "1 of 2 source rows (50.00%) were rejected (cast_failed 1), more than "
        "--max-bad-fraction 0.01; the target was not written."
    )
    assert not (tmp_path / "target").exists()
    assert len(gt.read_json_folder(tmp_path / "audit" / "rejected")) == 1


def test_empty_source_fails_clearly(spark, tmp_path):
    source = write(tmp_path / "s.csv", "")
    with pytest.raises(JobInputError, match="is empty: no header or first row"):
        mapping.read_delimited(spark, source, ",", header=True)
    header_only = write(tmp_path / "h.csv", "USER_ID,ITEM_ID,TIMESTAMP\n")
    with pytest.raises(JobInputError, match="has no data rows"):
        run(spark, header_only, INTERACTIONS, tmp_path)
