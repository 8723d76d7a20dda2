"""awsglue.utils.getResolvedOptions, as Glue's own implementation behaves for job arguments."""

import argparse
from collections.abc import Sequence


class GlueArgumentError(Exception):
    """A required job argument is missing (raised, as on Glue, instead of exiting)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise GlueArgumentError(message)


def getResolvedOptions(args: Sequence[str], options: Sequence[str]) -> dict:
    """Resolve ``--name value`` (or ``--name=value``) for each name in ``options``.

    ``args`` is sys.argv: args[0] (the script) is skipped. Every option is required; arguments
    not asked for are ignored. Keys are argparse destinations: hyphens become underscores.
    """
    parser = _Parser(add_help=False)
    for option in options:
        parser.add_argument("--" + option, required=True)
    parsed, _unknown = parser.parse_known_args(list(args[1:]))
    return vars(parsed)
