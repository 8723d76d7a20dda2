"""What a Glue crawler records for delimited text: the table's columns, types and format.

A stand-in for Glue's built-in CSV classifier, enough for the pipelines' data: the delimiter is
the one of , TAB | ; that splits every sampled line into the same number of fields; a first
line of text over columns that are otherwise numeric is a header; a column is bigint when every
value is a whole number, double when every value is a number, else string. Columns without a
header are named col0, col1, ... as Glue names them.
"""

import csv
import io
import re
from dataclasses import dataclass, field

DELIMITERS = (",", "\t", "|", ";")
INTEGER = re.compile(r"^[+-]?\d+$")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class NotDelimitedText(ValueError):
    """Objects the local crawler cannot classify."""


@dataclass
class Table:
    name: str
    location: str
    delimiter: str
    header: bool
    columns: list[tuple[str, str]] = field(default_factory=list)

    def table_input(self) -> dict:
        """The TableInput Glue's CreateTable takes, as a crawler writes it for CSV."""
        serde = {"field.delim": self.delimiter}
        parameters = {"classification": "csv", "delimiter": self.delimiter}
        if self.header:
            parameters["skip.header.line.count"] = "1"
        return {
            "Name": self.name,
            "TableType": "EXTERNAL_TABLE",
            "Parameters": parameters,
            "StorageDescriptor": {
                "Columns": [{"Name": n, "Type": t} for n, t in self.columns],
                "Location": self.location,
                "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
                "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                "SerdeInfo": {
                    "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                    "Parameters": serde,
                },
                "Parameters": parameters,
            },
        }


def table_name(prefix: str, table_prefix: str = "") -> str:
    """A crawler names the table of a folder after the folder: abalone/new/ -> new."""
    last = [part for part in prefix.split("/") if part][-1]
    return table_prefix + re.sub(r"[^a-z0-9_]", "_", last.lower())


def classify(name: str, location: str, samples: list[str]) -> Table:
    """The table for sample texts (the start of each file) found under one location."""
    lines = [line for text in samples for line in text.splitlines() if line.strip()]
    if not lines:
        raise NotDelimitedText(f"{location} holds no lines of text to classify")
    delimiter = _delimiter(lines, location)
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    width = len(rows[0])
    firsts = {text.splitlines()[0] for text in samples if text.strip()}
    header = _is_header(rows[0], rows[1:]) and all(
        next(csv.reader([f], delimiter=delimiter)) == rows[0] for f in firsts
    )
    body = [r for r in rows if not (header and r == rows[0])]
    names = [_column_name(h, i) for i, h in enumerate(rows[0])] if header else None
    columns = []
    for i in range(width):
        values = [r[i].strip() for r in body if i < len(r) and r[i].strip()]
        columns.append((names[i] if names else f"col{i}", _type(values)))
    return Table(name, location, delimiter, header, columns)


def _delimiter(lines: list[str], location: str) -> str:
    for delimiter in DELIMITERS:
        widths = {len(next(csv.reader([line], delimiter=delimiter))) for line in lines}
        if len(widths) == 1 and widths.pop() > 1:
            return delimiter
    raise NotDelimitedText(
        f"{location}: no delimiter of {DELIMITERS} splits every line into the same number of "
        "fields; the local crawler classifies delimited text only"
    )


def _type(values: list[str]) -> str:
    if values and all(INTEGER.match(v) for v in values):
        return "bigint"
    if values and all(NUMBER.match(v) for v in values):
        return "double"
    return "string"


def _is_header(first: list[str], rest: list[list[str]]) -> bool:
    if not rest or any(NUMBER.match(v.strip()) for v in first):
        return False
    return any(
        _type([r[i].strip() for r in rest if i < len(r)]) != "string" for i in range(len(first))
    )


def _column_name(text: str, index: int) -> str:
    name = re.sub(r"[^a-z0-9_]", "_", text.strip().lower())
    return name or f"col{index}"
