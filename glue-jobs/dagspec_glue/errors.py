"""The one exception a job raises for a problem in its input or arguments.

A job that raises it fails (non-zero exit locally, a FAILED run on Glue) and its message is
what an operator reads in the Airflow task log, so messages name the argument, column or
location at fault and say what to do next.
"""


class JobInputError(Exception):
    """The job's arguments or input data are unusable; the message says why."""
