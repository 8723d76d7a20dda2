// `dagspec trigger --wait`: follows a run by polling its task states, and prints the same
// progress lines as `dagspec run` (runner/airflow.ts progressPrinter) from the changes it sees.

import { progressPrinter, type TaskEvent } from "../runner/airflow";
import { FINISHED_RUN_STATES, type OpsBackend, type RunInfo, type TaskInfo } from "./backend";

export function epoch(iso: string | undefined): number {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? Date.now() / 1000 : t / 1000;
}

interface Seen {
  state: string;
  tries: number;
  /** The last try ended in up_for_retry: the next start is a new try. */
  retrying: boolean;
  waited: boolean;
}

const STARTED = new Set(["running", "success", "failed", "up_for_retry", "up_for_reschedule"]);

/**
 * Turns successive task snapshots into progress events; `waiting` is called once per task when
 * a sensor first gives its slot back to wait (up_for_reschedule). A sensor's pokes are one try.
 */
export function taskDiffer(
  dag: string,
  emit: (e: TaskEvent) => void,
  waiting: (task: TaskInfo) => void,
): (tasks: readonly TaskInfo[]) => Map<string, number> {
  const seen = new Map<string, Seen>();
  return (tasks) => {
    for (const t of tasks) {
      const s = seen.get(t.task) ?? { state: "none", tries: 0, retrying: false, waited: false };
      const event = (kind: TaskEvent["event"], time: number) =>
        emit({ event: kind, dag, task: t.task, try: s.tries, state: t.state, time });
      if (t.state !== s.state) {
        // A new try, seen running or already past it when a poll came.
        if (STARTED.has(t.state) && (s.tries === 0 || s.retrying)) {
          s.tries++;
          s.retrying = false;
          event("running", epoch(t.start));
        }
        if (t.state === "success" || t.state === "failed" || t.state === "up_for_retry") {
          event(t.state === "success" ? "success" : "failed", epoch(t.end));
          s.retrying = t.state === "up_for_retry";
        } else if (t.state === "up_for_reschedule" && !s.waited) {
          s.waited = true;
          waiting(t);
        }
      }
      s.state = t.state;
      seen.set(t.task, s);
    }
    return new Map([...seen].map(([task, s]) => [task, s.tries]));
  };
}

export interface Followed {
  run: RunInfo;
  tasks: TaskInfo[];
  /** Tries seen while following, by task. */
  observedTries: Map<string, number>;
}

export async function followRun(o: {
  backend: OpsBackend;
  pipeline: string;
  runId: string;
  write: (s: string) => void;
  width: number;
  intervalMs: number;
  approvals: readonly string[];
}): Promise<Followed> {
  const print = progressPrinter(o.write, { width: o.width });
  const pad = " ".repeat(10 + o.width);
  const differ = taskDiffer(o.pipeline, print, (t) =>
    o.write(
      o.approvals.includes(t.task)
        ? `${pad}waiting for a decision: dagspec approve|reject ${o.pipeline} --run ${o.runId}\n`
        : `${pad}waiting (the sensor checks again later)\n`,
    ),
  );
  for (;;) {
    const run = await o.backend.run(o.pipeline, o.runId);
    const tasks = await o.backend.tasks(o.pipeline, o.runId);
    const observedTries = differ(tasks);
    if (FINISHED_RUN_STATES.has(run.state)) return { run, tasks, observedTries };
    await new Promise((r) => setTimeout(r, o.intervalMs));
  }
}
