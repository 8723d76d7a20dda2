"""The runtime module shipped beside the DAGs: calling helper functions at run time."""

import sys
import textwrap

import pytest
from dagspec_runtime import call_helper


@pytest.fixture()
def helpers(tmp_path, monkeypatch):
    """A dagspec_helpers package of our own, in place of the generated one."""
    package = tmp_path / "dagspec_helpers"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "sample.py").write_text(
        textwrap.dedent(
            """
            def add(a, b):
                return a + b

            def with_context(limit, ds, ti=None):
                return {"limit": limit, "ds": ds, "ti": ti}

            def everything(**kwargs):
                return sorted(kwargs)
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in sys.modules if m.startswith("dagspec_helpers")]:
        monkeypatch.delitem(sys.modules, name)
    return package


def test_calls_the_function_with_the_spec_arguments(helpers):
    assert call_helper("sample:add", {"a": 2, "b": 3}) == 5


def test_passes_the_context_values_the_function_names(helpers):
    result = call_helper("sample:with_context", {"limit": 7}, ds="2024-01-01", ti="T", dag="D")
    assert result == {"limit": 7, "ds": "2024-01-01", "ti": "T"}


def test_passes_all_context_to_a_function_taking_kwargs_without_overriding_arguments(helpers):
    assert call_helper("sample:everything", {"ds": "mine"}, ds="context", ti="T") == ["ds", "ti"]


def test_a_missing_helper_fails_the_task_with_the_module_name(helpers):
    with pytest.raises(ModuleNotFoundError, match="dagspec_helpers.nothing"):
        call_helper("nothing:run", {})
