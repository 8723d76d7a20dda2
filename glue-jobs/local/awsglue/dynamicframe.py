"""awsglue.dynamicframe.DynamicFrame: a named wrapper around a Spark DataFrame.

Real DynamicFrames carry per-record schemas and choice types; this one is a plain DataFrame
underneath, which is all ``toDF()`` callers ever see.
"""

from pyspark.sql import DataFrame


class DynamicFrame:
    def __init__(self, df: DataFrame, glue_ctx, name: str = ""):
        self._df = df
        self.glue_ctx = glue_ctx
        self.name = name

    def toDF(self) -> DataFrame:
        return self._df

    @classmethod
    def fromDF(cls, dataframe: DataFrame, glue_ctx, name: str) -> "DynamicFrame":
        return cls(dataframe, glue_ctx, name)

    def count(self) -> int:
        return self._df.count()
