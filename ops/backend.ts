// What the operations commands need from an orchestrator, whatever runs the pipelines: Airflow
// on MWAA (ops/airflow-backend.ts) today; Step Functions can implement the same interface.
// States are Airflow's words (queued, running, success, failed, up_for_retry, ...), which a
// backend maps its own states to.

export interface RunInfo {
  id: string;
  state: string;
  /** ISO 8601 times, absent while the run has not started or not ended. */
  start?: string;
  end?: string;
}

export interface TaskInfo {
  task: string;
  state: string;
  start?: string;
  end?: string;
  /** How many times the task was started; undefined when the backend cannot tell. */
  tries?: number;
}

export interface TaskLog {
  tryNumber: number;
  /** Where the log was read from, for the header line. */
  source: string;
  lines: string[];
}

export type Decision = "approve" | "reject";

export interface OpsBackend {
  /** One line naming what is operated, e.g. "MWAA environment x (Airflow 2.10.3) in eu-west-1". */
  readonly description: string;
  /**
   * Starts a run; `conf` is the run's conf as the orchestrator reports it, `notes` tell what
   * else was done (e.g. the pipeline was unpaused).
   */
  trigger(
    pipeline: string,
    conf: Record<string, unknown>,
  ): Promise<{ runId: string; conf: unknown; notes: string[] }>;
  /** Recent runs, newest first. */
  runs(pipeline: string): Promise<RunInfo[]>;
  run(pipeline: string, runId: string): Promise<RunInfo>;
  tasks(pipeline: string, runId: string, options?: { tries?: boolean }): Promise<TaskInfo[]>;
  taskLog(pipeline: string, runId: string, task: string, tryNumber?: number): Promise<TaskLog>;
  /** Answers the approval tasks of a run. */
  decide(pipeline: string, runId: string, decision: Decision): Promise<void>;
  /** A one-time URL that signs a browser in to the orchestrator's UI. */
  signInUrl(): Promise<string>;
}

export type OpsErrorKind =
  | "usage"
  | "no-credentials"
  | "unknown-environment"
  | "not-available"
  | "not-allowed"
  | "unknown-pipeline"
  | "unknown-run"
  | "no-log"
  | "not-waiting"
  | "service";

/** A failure the user can act on: printed as one line, exit status 2. */
export class OpsError extends Error {
  constructor(
    readonly kind: OpsErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "OpsError";
  }
}

export const FINISHED_RUN_STATES = new Set(["success", "failed"]);
export const FINISHED_TASK_STATES = new Set([
  "success",
  "failed",
  "skipped",
  "upstream_failed",
  "removed",
]);
