// The operations commands on Airflow, through an MWAA environment's CLI endpoint. Only commands
// MWAA allows on both 2.10 and 3.0 are used (ops/allowed.ts): `dags unpause`, `dags trigger`,
// `dags list-runs`, `tasks states-for-dag-run` and `variables set`, with `-o json` where they
// print data. Their arguments differ between the versions where Airflow's CLI does (`list-runs`
// takes the DAG id as `-d` on 2.10 and as a positional argument on 3.0). Task logs come from
// CloudWatch Logs (ops/task-logs.ts): no allowed command prints them.

import type { AirflowTarget } from "../compiler/ir";
import {
  OpsError,
  FINISHED_RUN_STATES,
  FINISHED_TASK_STATES,
  type Decision,
  type OpsBackend,
  type RunInfo,
  type TaskInfo,
  type TaskLog,
} from "./backend";
import { firstLine, type CliOutput, type MwaaEnvironment } from "./mwaa";
import { logGroupName, TaskLogs } from "./task-logs";

/** What the specs in the project folder say about a pipeline, when they are at hand. */
export interface PipelineFacts {
  tasks: string[];
  approvals: string[];
}

/** The Variable dagspec_runtime.wait_for_approval reads (compiler/runtime/dagspec_runtime.py approval_key). */
export function approvalKey(dagId: string, runId: string): string {
  const safeRunId = [...runId].map((c) => (/[\p{L}\p{N}]/u.test(c) ? c : "_")).join("");
  return `dagspec_approval__${dagId.replace(/-/g, "_")}__${safeRunId}`;
}

export const CLI = {
  unpause: (dag: string) => ["dags", "unpause", dag, "-o", "json"],
  trigger: (dag: string, conf: Record<string, unknown>) => [
    "dags",
    "trigger",
    dag,
    ...(Object.keys(conf).length ? ["--conf", JSON.stringify(conf)] : []),
    "-o",
    "json",
  ],
  listRuns: (target: AirflowTarget, dag: string) =>
    target === "2.10"
      ? ["dags", "list-runs", "-d", dag, "-o", "json"]
      : ["dags", "list-runs", dag, "-o", "json"],
  taskStates: (dag: string, runId: string) => [
    "tasks",
    "states-for-dag-run",
    dag,
    runId,
    "-o",
    "json",
  ],
  setVariable: (key: string, value: string) => ["variables", "set", key, value],
};

const UNKNOWN_DAG =
  /does not exist in 'dag' table|not found in DagModel|DagNotFound|Dag id \S+ not found/;

/**
 * The data a `-o json` command printed: Airflow prints a JSON list, or "No data found" for an
 * empty one, possibly after warnings. Anything else is a failure, reported with the last line
 * of stderr (where Airflow's CLI writes its error).
 */
export function jsonRows(out: CliOutput, what: string): Record<string, unknown>[] {
  const rows = parseRows(out.stdout);
  if (rows) return rows;
  if (/^No data found\s*$/m.test(out.stdout)) return [];
  throw cliFailure(out, what);
}

/** The JSON list in a command's output: the first line from which the rest parses as one. */
function parseRows(text: string): Record<string, unknown>[] | undefined {
  for (const m of text.matchAll(/^\[/gm)) {
    try {
      const rows = JSON.parse(text.slice(m.index)) as unknown;
      if (Array.isArray(rows)) return rows as Record<string, unknown>[];
    } catch {
      // a log line such as "[2024-01-01T00:00:00.000+0000] {...} INFO - ..."
    }
  }
  return undefined;
}

export function cliFailure(out: CliOutput, what: string): OpsError {
  const lines = out.stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const last =
    [...lines].reverse().find((l) => /Error|Exception|exist|not found/.test(l)) ?? lines.at(-1);
  return new OpsError(
    "service",
    `${what} failed: ${last ?? (firstLine(out.stdout) || "no output")}`,
  );
}

const text = (v: unknown) => (typeof v === "string" && v ? v : undefined);

export class AirflowBackend implements OpsBackend {
  private readonly logs?: TaskLogs;

  constructor(
    private readonly env: MwaaEnvironment,
    private readonly facts: ReadonlyMap<string, PipelineFacts> = new Map(),
  ) {
    const arn = env.info.LoggingConfiguration?.TaskLogs?.CloudWatchLogGroupArn;
    if (arn && env.info.LoggingConfiguration?.TaskLogs?.Enabled !== false) {
      this.logs = new TaskLogs(env.target, logGroupName(arn));
    }
  }

  get description(): string {
    return this.env.description;
  }

  /** Runs a command; a DAG the environment does not know becomes one clear error. */
  private async cli(pipeline: string, words: string[]): Promise<CliOutput> {
    const out = await this.env.cli(words);
    if (UNKNOWN_DAG.test(out.stderr) || UNKNOWN_DAG.test(out.stdout)) {
      const known = [...this.facts.keys()];
      throw new OpsError(
        "unknown-pipeline",
        `${this.env.target.environment} has no pipeline ${pipeline}` +
          (known.length && !known.includes(pipeline)
            ? ` (the specs here define ${known.join(", ")})`
            : " (is its DAG deployed and parsed by Airflow yet?)"),
      );
    }
    return out;
  }

  async trigger(pipeline: string, conf: Record<string, unknown>) {
    const notes: string[] = [];
    // A run of a paused DAG stays queued: new DAGs start paused on MWAA, and Airflow's trigger
    // form unpauses too.
    const unpaused = await this.cli(pipeline, CLI.unpause(pipeline));
    if (parseRows(unpaused.stdout)?.length) notes.push(`unpaused ${pipeline} (DAGs start paused)`);
    const rows = jsonRows(
      await this.cli(pipeline, CLI.trigger(pipeline, conf)),
      `dags trigger ${pipeline}`,
    );
    const runId = text(rows[0]?.["dag_run_id"]);
    if (!runId) throw new OpsError("service", `dags trigger ${pipeline} printed no run id`);
    // The CLI echoes the run's conf with every value printed as text: check the keys arrived.
    const stored = (rows[0]?.["conf"] ?? {}) as Record<string, unknown>;
    const lost = Object.keys(conf).filter((k) => !(k in stored));
    if (lost.length)
      throw new OpsError("service", `run ${runId} of ${pipeline} has no conf ${lost.join(", ")}`);
    return { runId, conf: stored, notes };
  }

  async runs(pipeline: string): Promise<RunInfo[]> {
    const rows = jsonRows(
      await this.cli(pipeline, CLI.listRuns(this.env.airflow, pipeline)),
      `dags list-runs ${pipeline}`,
    );
    const runs = rows.map((r) => ({
      id: String(r["run_id"]),
      state: String(r["state"] ?? ""),
      ...(text(r["start_date"]) ? { start: text(r["start_date"])! } : {}),
      ...(text(r["end_date"]) ? { end: text(r["end_date"])! } : {}),
      // Airflow 2 sorts by logical date, Airflow 3 by run_after; newest first either way.
      after: text(r["run_after"]) ?? text(r["execution_date"]) ?? "",
    }));
    runs.sort((a, b) => (a.after < b.after ? 1 : a.after > b.after ? -1 : 0));
    return runs.map(({ after: _after, ...run }) => run);
  }

  async run(pipeline: string, runId: string): Promise<RunInfo> {
    const runs = await this.runs(pipeline);
    const run = runs.find((r) => r.id === runId);
    if (!run) {
      throw new OpsError(
        "unknown-run",
        `${pipeline} has no run ${runId}` +
          (runs.length
            ? `; latest: ${runs
                .slice(0, 3)
                .map((r) => r.id)
                .join(", ")}`
            : "; it has no runs"),
      );
    }
    return run;
  }

  async tasks(
    pipeline: string,
    runId: string,
    options: { tries?: boolean } = {},
  ): Promise<TaskInfo[]> {
    const rows = jsonRows(
      await this.cli(pipeline, CLI.taskStates(pipeline, runId)),
      `tasks states-for-dag-run ${pipeline} ${runId}`,
    );
    const tries =
      options.tries && this.logs
        ? await this.logs.tries(pipeline, runId).catch(() => undefined)
        : undefined;
    const order = this.facts.get(pipeline)?.tasks ?? [];
    const rank = (t: string) => (order.includes(t) ? order.indexOf(t) : order.length);
    return rows
      .map((r) => {
        const task = String(r["task_id"]);
        return {
          task,
          state: text(r["state"]) ?? "none",
          ...(text(r["start_date"]) ? { start: text(r["start_date"])! } : {}),
          ...(text(r["end_date"]) ? { end: text(r["end_date"])! } : {}),
          ...(tries ? { tries: tries.get(task) ?? 0 } : {}),
        };
      })
      .sort(
        (a, b) => rank(a.task) - rank(b.task) || (a.start ?? "~").localeCompare(b.start ?? "~"),
      );
  }

  async taskLog(
    pipeline: string,
    runId: string,
    task: string,
    tryNumber?: number,
  ): Promise<TaskLog> {
    if (!this.logs) {
      throw new OpsError(
        "no-log",
        `${this.env.target.environment} does not send task logs to CloudWatch Logs`,
      );
    }
    const tasks = await this.tasks(pipeline, runId);
    if (!tasks.some((t) => t.task === task)) {
      throw new OpsError(
        "unknown-run",
        `run ${runId} of ${pipeline} has no task ${task}; its tasks: ${tasks.map((t) => t.task).join(", ")}`,
      );
    }
    const last = (await this.logs.tries(pipeline, runId)).get(task);
    const n = tryNumber ?? last;
    if (!n)
      throw new OpsError("no-log", `${task} of run ${runId} has no log yet (it has not started)`);
    return {
      tryNumber: n,
      source: `CloudWatch Logs ${this.logs.group}`,
      lines: await this.logs.read(pipeline, runId, task, n),
    };
  }

  async decide(pipeline: string, runId: string, decision: Decision): Promise<void> {
    const run = await this.run(pipeline, runId);
    if (FINISHED_RUN_STATES.has(run.state)) {
      throw new OpsError(
        "not-waiting",
        `run ${runId} of ${pipeline} is ${run.state}: there is nothing to ${decision}`,
      );
    }
    const approvals = this.facts.get(pipeline)?.approvals;
    if (approvals && approvals.length === 0) {
      throw new OpsError(
        "not-waiting",
        `${pipeline} has no approval task (its spec in dags-src/ has none)`,
      );
    }
    if (approvals) {
      const tasks = await this.tasks(pipeline, runId);
      const open = tasks.filter(
        (t) => approvals.includes(t.task) && !FINISHED_TASK_STATES.has(t.state),
      );
      if (!open.length) {
        const done = tasks
          .filter((t) => approvals.includes(t.task))
          .map((t) => `${t.task} ${t.state}`);
        throw new OpsError(
          "not-waiting",
          `run ${runId} of ${pipeline} has no approval left to answer (${done.join(", ")})`,
        );
      }
    }
    const key = approvalKey(pipeline, runId);
    const out = await this.cli(pipeline, CLI.setVariable(key, decision));
    if (!out.stdout.includes(`Variable ${key} created`)) throw cliFailure(out, "variables set");
  }

  signInUrl(): Promise<string> {
    return this.env.webLogin();
  }
}
