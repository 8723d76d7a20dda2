"""Prints, as JSON, what Airflow renders on each operator and notifier class the compiler emits.

Usage: python template_fields.py CLASS...   (CLASS is module:Name)
For each class: its template_fields (the attributes Airflow renders with Jinja when the task
runs) and template_ext (string values ending in one of these are read as template files).
"""

import importlib
import json
import sys


def describe(path: str) -> dict:
    module, name = path.split(":")
    cls = getattr(importlib.import_module(module), name)
    return {
        "template_fields": sorted(cls.template_fields),
        "template_ext": sorted(cls.template_ext),
    }


if __name__ == "__main__":
    print(json.dumps({path: describe(path) for path in sys.argv[1:]}, indent=2, sort_keys=True))
