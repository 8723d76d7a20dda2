"""awsglue.job.Job: init and commit, without bookmarks."""


class Job:
    def __init__(self, glue_context):
        self.glue_context = glue_context
        self.name = None
        self.args = None
        self.committed = False

    def init(self, job_name: str, args: dict | None = None) -> None:
        self.name = job_name
        self.args = dict(args or {})

    def commit(self) -> None:
        # On Glue, commit records job bookmarks; here it only checks init came first.
        if self.name is None:
            raise RuntimeError("Job.commit() called before Job.init()")
        self.committed = True
