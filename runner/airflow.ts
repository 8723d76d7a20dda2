// Local Airflow for the runner: its home under the project (.airflow/<version>/), the
// environment that points it at moto, `airflow dags test` with progress read from the
// listener's events, and the run's summary read from Airflow's database.

import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { AirflowTarget } from "../compiler/ir";
import { start } from "./lifetime";
import { CREDENTIALS, REGION } from "./moto";

export const HOME_DIR = ".airflow";
/** Run folders kept under .airflow/<version>/runs/ (older ones are removed). */
const RUNS_KEPT = 10;
const PLUGIN = "dagspec_runner_plugin.py";

/** .airflow/<version>/: the migrated template database and the run folders. */
export function versionHome(root: string, target: AirflowTarget): string {
  return path.join(root, HOME_DIR, target);
}

/**
 * The migrated, empty Airflow database every run starts from: `airflow db migrate` runs once
 * per Airflow version (and again when the database's version marker changes), into a temporary
 * folder renamed into place, so concurrent runners never see half a database.
 */
export async function templateDb(
  venv: string,
  home: string,
  log: (s: string) => void,
): Promise<string> {
  const dir = path.join(home, "template");
  const db = path.join(dir, "airflow.db");
  const marker = path.join(dir, "venv");
  if (fs.existsSync(db) && fs.existsSync(marker) && fs.readFileSync(marker, "utf8") === venv)
    return db;
  log("airflow: migrating a new database (once per Airflow version)");
  fs.mkdirSync(home, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(home, "template-"));
  const child = start("airflow db migrate", path.join(venv, "bin", "airflow"), ["db", "migrate"], {
    env: baseEnv(tmp, path.join(tmp, "dags")),
    stdio: [
      "ignore",
      fs.openSync(path.join(tmp, "migrate.log"), "w"),
      fs.openSync(path.join(tmp, "migrate.log"), "a"),
    ],
  });
  const code = await child.exited;
  if (code !== 0) {
    throw new Error(
      `airflow db migrate failed (exit ${code}); see ${path.join(tmp, "migrate.log")}`,
    );
  }
  fs.writeFileSync(path.join(tmp, "venv"), venv);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  return db;
}

/** A fresh Airflow home for one run (or one `up`): a copy of the template database, the plugin. */
export function newHome(root: string, dir: string, template: string): string {
  fs.mkdirSync(path.join(dir, "plugins"), { recursive: true });
  fs.copyFileSync(template, path.join(dir, "airflow.db"));
  fs.copyFileSync(path.join(root, "runner", "listener", PLUGIN), path.join(dir, "plugins", PLUGIN));
  return dir;
}

/**
 * A new folder under .airflow/<version>/runs/ for one run or one `up`, named by time. Older
 * folders beyond the last RUNS_KEPT are removed, except those whose runner is still alive.
 */
export function newRunDir(home: string, pipeline: string, now = new Date()): string {
  const runs = path.join(home, "runs");
  fs.mkdirSync(runs, { recursive: true });
  const old = fs.readdirSync(runs).sort();
  for (const name of old.slice(0, Math.max(0, old.length - (RUNS_KEPT - 1)))) {
    if (!inUse(path.join(runs, name)))
      fs.rmSync(path.join(runs, name), { recursive: true, force: true });
  }
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  const dir = fs.mkdtempSync(path.join(runs, `${stamp}-${pipeline}-`));
  fs.writeFileSync(path.join(dir, OWNER), String(process.pid));
  return dir;
}

const OWNER = "runner.pid";

function inUse(dir: string): boolean {
  try {
    process.kill(Number(fs.readFileSync(path.join(dir, OWNER), "utf8")), 0);
    return true;
  } catch {
    return false;
  }
}

/** Airflow settings of any local Airflow: its home, SQLite, the DAG folder, no examples. */
function baseEnv(home: string, dags: string): NodeJS.ProcessEnv {
  // Nothing of the user's own AWS or Airflow setup reaches the local Airflow: no real account.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(AWS_|AIRFLOW)/.test(k)),
  );
  return {
    ...inherited,
    AIRFLOW_HOME: home,
    AIRFLOW__CORE__DAGS_FOLDER: dags,
    AIRFLOW__CORE__LOAD_EXAMPLES: "False",
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: `sqlite:///${path.join(home, "airflow.db")}`,
    AIRFLOW__CORE__PLUGINS_FOLDER: path.join(home, "plugins"),
    PYTHONWARNINGS: "ignore",
  };
}

export interface RunnerEnv {
  root: string;
  home: string;
  dags: string;
  endpoint: string;
  variables: ReadonlyMap<string, string>;
  glueVenv: string;
  /** The Python of each framework image's local build, by framework:version (runner/images.ts). */
  imagePythons: Record<string, string>;
  events: string;
  retryDelaySeconds?: number;
  fail?: { dag: string; task: string; endpoint: string };
  /** Approve the runs' approval tasks (the listener sets their Variable as an operator would). */
  approve?: boolean;
}

/** The local Airflow's environment: AWS is moto, Variables are environment variables. */
export function runnerEnv(o: RunnerEnv): NodeJS.ProcessEnv {
  const connection = (endpoint: string) =>
    JSON.stringify({ conn_type: "aws", extra: { endpoint_url: endpoint, region_name: REGION } });
  const env: NodeJS.ProcessEnv = {
    ...baseEnv(o.home, o.dags),
    AIRFLOW_CONN_AWS_DEFAULT: connection(o.endpoint),
    // boto3 code that does not go through the connection reaches moto too.
    AWS_ENDPOINT_URL: o.endpoint,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_DEFAULT_REGION: REGION,
    // Airflow 3 no longer puts the DAG folder on sys.path; the DAGs import dagspec_runtime.
    PYTHONPATH: [path.join(o.root, "runner", "listener"), o.dags, process.env.PYTHONPATH]
      .filter(Boolean)
      .join(path.delimiter),
    DAGSPEC_ROOT: o.root,
    DAGSPEC_RUN_DIR: o.home,
    DAGSPEC_EVENTS: o.events,
    DAGSPEC_AWS_ENDPOINT: o.endpoint,
    DAGSPEC_GLUE_PYTHON: path.join(o.glueVenv, "bin", "python"),
    DAGSPEC_IMAGE_PYTHONS: JSON.stringify(o.imagePythons),
    DAGSPEC_POLL_SECONDS: "1",
  };
  if (o.retryDelaySeconds !== undefined) env.DAGSPEC_RETRY_DELAY = String(o.retryDelaySeconds);
  if (o.fail) {
    env.AIRFLOW_CONN_DAGSPEC_FAIL = connection(o.fail.endpoint);
    env.DAGSPEC_FAIL = JSON.stringify({ dag: o.fail.dag, task: o.fail.task });
  }
  if (o.approve) env.DAGSPEC_APPROVE = "1";
  for (const [name, value] of o.variables) {
    env[`AIRFLOW_VAR_${name.toUpperCase()}`] = value;
  }
  return env;
}

// ---------------------------------------------------------------- progress

export interface TaskEvent {
  event: "running" | "success" | "failed" | "stand-in" | "stand-in failed";
  dag: string;
  task: string;
  try: number;
  state: string;
  time: number;
  message?: string;
  error?: string;
}

/** Follows the listener's events file, calling `on` for each new event. */
export function followEvents(file: string, on: (e: TaskEvent) => void): { stop(): void } {
  let offset = 0;
  let partial = "";
  const poll = () => {
    let fd: number;
    try {
      fd = fs.openSync(file, "r");
    } catch {
      return;
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size <= offset) return;
      const buffer = Buffer.alloc(size - offset);
      fs.readSync(fd, buffer, 0, buffer.length, offset);
      offset = size;
      const lines = (partial + buffer.toString("utf8")).split("\n");
      partial = lines.pop()!;
      for (const line of lines) if (line.trim()) on(JSON.parse(line) as TaskEvent);
    } finally {
      fs.closeSync(fd);
    }
  };
  const timer = setInterval(poll, 200);
  return {
    stop() {
      clearInterval(timer);
      poll();
    },
  };
}

/** One line per task start and end: `12:00:03  preprocess  success  41.2s`. */
export function progressPrinter(
  write: (s: string) => void,
  options: { width: number; withDag?: boolean },
): (e: TaskEvent) => void {
  const started = new Map<string, number>();
  return (e) => {
    const id = options.withDag ? `${e.dag}.${e.task}` : e.task;
    const clock = new Date(e.time * 1000).toISOString().slice(11, 19);
    const key = `${e.dag}.${e.task}.${e.try}`;
    const name = id.padEnd(options.width);
    switch (e.event) {
      case "running":
        started.set(key, e.time);
        write(`${clock}  ${name}  started${e.try > 1 ? ` (try ${e.try})` : ""}\n`);
        break;
      case "success":
      case "failed": {
        const since = started.get(key);
        const took = since === undefined ? "" : `  ${formatSeconds(e.time - since)}`;
        const state = e.event === "failed" ? e.state || "failed" : "success";
        write(`${clock}  ${name}  ${state}${took}\n`);
        if (e.event === "failed" && e.error)
          write(`${" ".repeat(10 + options.width)}${firstLine(e.error)}\n`);
        break;
      }
      case "stand-in":
      case "stand-in failed":
        write(`${" ".repeat(10 + options.width)}local: ${e.message}\n`);
        break;
    }
  };
}

function firstLine(s: string): string {
  const line = s.split("\n").find((l) => l.trim()) ?? "";
  return line.length > 160 ? line.slice(0, 157) + "..." : line;
}

export function formatSeconds(s: number): string {
  return s < 60
    ? `${s.toFixed(1)}s`
    : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`;
}

// ---------------------------------------------------------------- dags test

export interface DagTest {
  /** Exit code of `airflow dags test`. */
  code: number;
  /** Epoch seconds when it was started and when it exited. */
  started: number;
  ended: number;
}

export async function dagsTest(o: {
  venv: string;
  env: NodeJS.ProcessEnv;
  dagId: string;
  logicalDate: string;
  conf: Record<string, unknown>;
  log: string;
  echo: boolean;
}): Promise<DagTest> {
  const args = ["dags", "test", o.dagId, o.logicalDate, "--conf", JSON.stringify(o.conf)];
  const out = fs.openSync(o.log, "a");
  const started = Date.now() / 1000;
  const child = start("airflow dags test", path.join(o.venv, "bin", "airflow"), args, {
    env: o.env,
    stdio: ["ignore", o.echo ? "inherit" : out, o.echo ? "inherit" : out],
  });
  fs.closeSync(out);
  const code = await child.exited;
  return { code, started, ended: Date.now() / 1000 };
}

// ---------------------------------------------------------------- summary

export interface TaskRow {
  task: string;
  state: string;
  tries: number;
  duration: number | null;
}

export interface RunSummary {
  runId: string;
  state: string;
  tasks: TaskRow[];
}

const SUMMARY_PY = `
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
run = db.execute(
    "select run_id, state from dag_run where dag_id = ? order by id desc limit 1", (sys.argv[2],)
).fetchone()
tasks = [] if run is None else db.execute(
    "select task_id, state, try_number, duration from task_instance where dag_id = ? and run_id = ?",
    (sys.argv[2], run[0]),
).fetchall()
print(json.dumps({"run": run, "tasks": tasks}))
`;

/** The last run of a DAG and its task instances, as Airflow's database has them. */
export function readSummary(
  venv: string,
  db: string,
  dagId: string,
  order: string[],
): RunSummary | undefined {
  const out = execFileSync(path.join(venv, "bin", "python"), ["-c", SUMMARY_PY, db, dagId], {
    encoding: "utf8",
  });
  const data = JSON.parse(out) as {
    run: [string, string] | null;
    tasks: [string, string | null, number, number | null][];
  };
  if (!data.run) return undefined;
  const rank = (t: string) => (order.includes(t) ? order.indexOf(t) : order.length);
  return {
    runId: data.run[0],
    state: data.run[1],
    tasks: data.tasks
      .map(([task, state, tries, duration]) => ({
        task,
        state: state ?? "not run",
        tries,
        duration,
      }))
      .sort((a, b) => rank(a.task) - rank(b.task)),
  };
}

export function summaryTable(rows: TaskRow[]): string {
  const header = ["task", "state", "tries", "duration"];
  const cells = rows.map((r) => [
    r.task,
    r.state,
    String(r.tries),
    r.duration === null ? "-" : formatSeconds(r.duration),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c.map((x, i) => (i >= 2 ? x.padStart(widths[i]!) : x.padEnd(widths[i]!))).join("  ");
  return (
    [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n") +
    "\n"
  );
}
