"""Prints, as JSON, the facts of the installed Airflow, provider and botocore that the
compiler's limits and template-safe emission rely on.

Usage: python facts.py CLASS...   (CLASS is module:Name, an operator or notifier class)
"""

import importlib
import json
import sys

import botocore.session
from airflow.models.dag import DagModel


def rendered(path: str) -> dict:
    """What Airflow renders on a class: template_fields, and template_ext (string values
    ending in one of these are read as template files)."""
    module, name = path.split(":")
    cls = getattr(importlib.import_module(module), name)
    return {
        "template_ext": sorted(cls.template_ext),
        "template_fields": sorted(cls.template_fields),
    }


def shape(service: str, name: str) -> dict:
    model = botocore.session.get_session().get_service_model(service)
    return dict(model.shape_for(name).metadata)


def tag_max_len() -> int:
    try:
        from airflow.sdk.definitions.dag import TAG_MAX_LEN
    except ImportError:
        from airflow.models.dag import TAG_MAX_LEN
    return TAG_MAX_LEN


def collect(classes: list[str]) -> dict:
    return {
        "tag_max_len": tag_max_len(),
        "owners_length": DagModel.__table__.c.owners.type.length,
        "botocore": {
            name: shape(service, name)
            for service, name in [
                ("sagemaker", "ProcessingMaxRuntimeInSeconds"),
                ("sagemaker", "HyperParameterKey"),
                ("sagemaker", "HyperParameterValue"),
                ("sagemaker", "HyperParameters"),
                ("sagemaker", "ProcessingInputs"),
                ("sagemaker", "ProcessingOutputs"),
                ("sagemaker", "InputDataConfig"),
                ("glue", "NameString"),
            ]
        },
        "classes": {path: rendered(path) for path in classes},
    }


if __name__ == "__main__":
    print(json.dumps(collect(sys.argv[1:]), indent=2, sort_keys=True))
