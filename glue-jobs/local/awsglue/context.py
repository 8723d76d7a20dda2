"""awsglue.context.GlueContext over local files.

The Data Catalog is a JSON file named by the environment variable DAGSPEC_GLUE_CATALOG,
standing in for what a crawler would have recorded::

    {
      "abalone": {                                  # database
        "new": {                                    # table
          "location": "/tmp/run/abalone/new/",      # file or folder, local path
          "format": "csv",                          # csv (default), json or parquet
          "delimiter": ",",                         # csv only, default ","
          "header": false,                          # csv only, default false
          "columns": [["col0", "string"], ["col1", "double"], ["col8", "bigint"]]
        }
      }
    }

Column types are the catalog's (Hive) type names, which Spark's DDL reads as they are. A CSV
value that does not fit its column's type is read as null, as Spark's permissive reader does.
"""

import json
import os

from pyspark.sql import SparkSession

from awsglue._local import local_location
from awsglue.dynamicframe import DynamicFrame

CATALOG_ENV = "DAGSPEC_GLUE_CATALOG"


class EntityNotFoundException(Exception):
    """Raised, like the Glue API's error of that name, for a database or table not found."""


def _load_catalog() -> tuple[str, dict]:
    path = os.environ.get(CATALOG_ENV)
    if not path:
        raise EntityNotFoundException(
            f"no local Glue catalog: set {CATALOG_ENV} to a JSON file describing the tables"
        )
    with open(path, encoding="utf-8") as file:
        return path, json.load(file)


class _DynamicFrameReader:
    def __init__(self, glue_context: "GlueContext"):
        self._glue_context = glue_context

    def from_catalog(
        self, database: str, table_name: str, transformation_ctx: str = "", **_options
    ) -> DynamicFrame:
        """The table as the catalog file describes it (push_down_predicate etc. are ignored)."""
        path, catalog = _load_catalog()
        table = catalog.get(database, {}).get(table_name)
        if table is None:
            raise EntityNotFoundException(f"table {database}.{table_name} not found in {path}")
        if not table.get("columns"):
            raise EntityNotFoundException(f"table {database}.{table_name} in {path} has no columns")
        schema = ", ".join(f"`{name}` {type_}" for name, type_ in table["columns"])
        location = local_location(table["location"])
        fmt = table.get("format", "csv")
        reader = self._glue_context.spark_session.read.schema(schema)
        if fmt == "csv":
            df = reader.csv(
                location, sep=table.get("delimiter", ","), header=table.get("header", False)
            )
        elif fmt in ("json", "parquet"):
            df = reader.format(fmt).load(location)
        else:
            raise ValueError(f"table {database}.{table_name}: unsupported format {fmt!r}")
        return DynamicFrame(df, self._glue_context, transformation_ctx or table_name)

    def from_options(
        self,
        connection_type: str,
        connection_options: dict | None = None,
        format: str | None = None,  # Glue's parameter name, shadowing the builtin
        format_options: dict | None = None,
        transformation_ctx: str = "",
        **_options,
    ) -> DynamicFrame:
        """Read ``connection_options["paths"]`` (local) as csv, json or parquet.

        CSV columns are all strings, named from the header (``withHeader``) or col0, col1, ...
        """
        if connection_type != "s3":
            raise ValueError(
                f"the local shim reads connection_type 's3' only, not {connection_type!r}"
            )
        options = format_options or {}
        paths = [local_location(p) for p in (connection_options or {}).get("paths", [])]
        if not paths:
            raise ValueError("connection_options['paths'] is empty")
        spark = self._glue_context.spark_session
        if format == "csv":
            header = bool(options.get("withHeader", False))
            df = spark.read.csv(paths, sep=options.get("separator", ","), header=header)
            if not header:
                df = df.toDF(*(f"col{i}" for i in range(len(df.columns))))
        elif format in ("json", "parquet"):
            df = spark.read.format(format).load(paths)
        else:
            raise ValueError(f"the local shim reads csv, json or parquet, not {format!r}")
        return DynamicFrame(df, self._glue_context, transformation_ctx)


class GlueContext:
    def __init__(self, spark_context):
        self._sc = spark_context
        self.spark_session = SparkSession.builder.getOrCreate()
        self.create_dynamic_frame = _DynamicFrameReader(self)

    def create_dynamic_frame_from_catalog(self, database, table_name, **options) -> DynamicFrame:
        return self.create_dynamic_frame.from_catalog(database, table_name, **options)

    def create_dynamic_frame_from_options(self, connection_type, **options) -> DynamicFrame:
        return self.create_dynamic_frame.from_options(connection_type, **options)
