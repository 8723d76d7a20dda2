"""Optional job arguments and typed argument values, on top of Glue's getResolvedOptions.

Glue's ``getResolvedOptions(argv, names)`` treats every name it is given as required and
returns the values under argparse's keys (``--raw-path`` comes back as ``raw_path``). Optional
arguments are therefore resolved only when they appear in argv, and defaults are filled in
here, in one place, so each entry point can list its arguments as data.
"""

from collections.abc import Callable, Mapping, Sequence

from dagspec_glue.errors import JobInputError


def key(name: str) -> str:
    """The dictionary key Glue (argparse) uses for ``--name``: hyphens become underscores."""
    return name.replace("-", "_")


def is_present(argv: Sequence[str], name: str) -> bool:
    """Whether ``--name`` was passed, either as ``--name value`` or ``--name=value``."""
    flag = f"--{name}"
    return any(arg == flag or arg.startswith(flag + "=") for arg in argv)


def resolve(
    get_resolved_options: Callable[[Sequence[str], list[str]], dict],
    argv: Sequence[str],
    required: Sequence[str],
    optional: Mapping[str, str | None],
) -> dict[str, str | None]:
    """Resolve ``required`` and the ``optional`` arguments present in argv, with defaults.

    ``get_resolved_options`` is awsglue.utils.getResolvedOptions (passed in so this module does
    not import awsglue). Returns a dict keyed like Glue's (underscores), holding every required
    and optional name; an absent optional argument gets its default (which may be None).
    """
    present = [name for name in optional if is_present(argv, name)]
    resolved = get_resolved_options(argv, [*required, *present])
    args: dict[str, str | None] = {key(name): resolved[key(name)] for name in required}
    for name, default in optional.items():
        args[key(name)] = resolved[key(name)] if name in present else default
    return args


def as_int(args: Mapping[str, str | None], name: str) -> int:
    value = args[key(name)]
    try:
        return int(str(value))
    except ValueError:
        raise JobInputError(f"--{name} must be a whole number, got {value!r}") from None


def as_fraction(args: Mapping[str, str | None], name: str) -> float:
    value = args[key(name)]
    try:
        fraction = float(str(value))
    except ValueError:
        fraction = -1.0
    if not 0.0 <= fraction <= 1.0:
        raise JobInputError(f"--{name} must be a number from 0 to 1, got {value!r}")
    return fraction


def as_bool(args: Mapping[str, str | None], name: str) -> bool:
    value = str(args[key(name)]).strip().lower()
    if value not in ("true", "false"):
        raise JobInputError(f"--{name} must be true or false, got {args[key(name)]!r}")
    return value == "true"
