"""Run-time support for DAGs compiled by dagspec.

Generated DAG files import from this module; it is shipped beside them. Everything here runs
when a task runs, never when Airflow parses a DAG file, so module level imports only the
standard library.
"""

import importlib
import inspect
from typing import Any

HELPERS_PACKAGE = "dagspec_helpers"


def call_helper(helper: str, arguments: dict[str, Any], **context: Any) -> Any:
    """Calls `module:function` from the helpers package with the spec's arguments.

    The function also receives the Airflow context values it names as parameters (`ti`,
    `params`, `ds`, ...), or all of them if it takes `**kwargs`. Its return value is pushed to
    XCom by the PythonOperator.
    """
    module_name, _, function_name = helper.partition(":")
    module = importlib.import_module(f"{HELPERS_PACKAGE}.{module_name}")
    function = getattr(module, function_name)
    parameters = inspect.signature(function).parameters
    takes_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    extra = {
        name: value
        for name, value in context.items()
        if name not in arguments and (takes_all or name in parameters)
    }
    return function(**arguments, **extra)
