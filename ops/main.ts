// The operations commands: trigger, runs, status, logs, approve, reject and ui, on the pipelines
// of a deployed MWAA environment (or any MWAA-compatible endpoint, such as `dagspec up`'s).
// Exit status: 0 done (trigger --wait: the run succeeded), 1 the followed run did not succeed,
// 2 a usage error or anything that stopped the command, printed as one line.

import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { MWAAClient } from "@aws-sdk/client-mwaa";
import { runtimeSource } from "../cli/paths";
import { compileProject } from "../compiler/compile";
import { diskProject, SPECS_DIR } from "../compiler/project";
import { formatSeconds, summaryTable, type TaskRow } from "../runner/airflow";
import { AirflowBackend, approvalKey, type PipelineFacts } from "./airflow-backend";
import {
  FINISHED_RUN_STATES,
  OpsError,
  type OpsBackend,
  type RunInfo,
  type TaskInfo,
} from "./backend";
import { epoch, followRun } from "./follow";
import { MwaaEnvironment } from "./mwaa";
import { resolveTarget } from "./target";

export const OPS_COMMANDS = [
  "trigger",
  "runs",
  "status",
  "logs",
  "approve",
  "reject",
  "ui",
] as const;
type OpsCommand = (typeof OPS_COMMANDS)[number];

export const OPS_USAGE = `  trigger PIPELINE   start a run on the deployed environment
    --conf KEY=VALUE   a run parameter (repeatable); VALUE is read as JSON when it parses
    --wait             follow the run task by task; exit 0 only if it succeeds
  runs PIPELINE      recent runs: id, state, start, duration
  status PIPELINE    the tasks of a run and their states (--run ID, default the latest)
  logs PIPELINE TASK a task's log from CloudWatch Logs (--run ID, --try N: default the last)
  approve PIPELINE   answer the approval tasks of a waiting run (--run ID, default the latest)
  reject PIPELINE    the same, rejecting
  ui                 print a one-time sign-in URL for the Airflow UI, and open it
    --no-browser       only print it
  which environment (trigger ... ui):
    --env NAME         the MWAA environment (default: the one the stack here creates)
    --stack NAME       the stack whose environment to use (default: the only Pulumi.<stack>.yaml)
    --region REGION    default: the stack's aws:region, else the AWS SDK's default chain
    --endpoint URL     an MWAA-compatible endpoint instead of AWS's (dagspec up prints one)`;

const OPTIONS = {
  env: { type: "string" },
  stack: { type: "string" },
  region: { type: "string" },
  endpoint: { type: "string" },
  root: { type: "string" },
  conf: { type: "string", multiple: true },
  wait: { type: "boolean" },
  run: { type: "string" },
  try: { type: "string" },
  interval: { type: "string" },
  "no-browser": { type: "boolean" },
} as const;

/** Which options and how many positional arguments each command takes. */
const SHAPE: Record<OpsCommand, { args: string[]; options: (keyof typeof OPTIONS)[] }> = {
  trigger: { args: ["PIPELINE"], options: ["conf", "wait", "interval"] },
  runs: { args: ["PIPELINE"], options: [] },
  status: { args: ["PIPELINE"], options: ["run"] },
  logs: { args: ["PIPELINE", "TASK"], options: ["run", "try"] },
  approve: { args: ["PIPELINE"], options: ["run"] },
  reject: { args: ["PIPELINE"], options: ["run"] },
  ui: { args: [], options: ["no-browser"] },
};
const COMMON = ["env", "stack", "region", "endpoint", "root"];

export interface OpsIo {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Opens a URL in a browser; undefined when there is none to open. */
  openBrowser?: (url: string) => void;
}

const STDIO: OpsIo = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  openBrowser: browserOpener(),
};

export async function opsMain(argv: readonly string[], io: OpsIo = STDIO): Promise<number> {
  const command = argv[0] as OpsCommand;
  try {
    return await runCommand(command, argv.slice(1), io);
  } catch (e) {
    if (e instanceof OpsError) {
      io.err(`dagspec ${command}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

function parse(command: OpsCommand, args: readonly string[]) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new OpsError("usage", (e as Error).message.split("\n")[0]!);
  }
  const shape = SHAPE[command];
  for (const key of Object.keys(parsed.values)) {
    if (!COMMON.includes(key) && !(shape.options as string[]).includes(key)) {
      throw new OpsError("usage", `--${key} does not go with ${command}`);
    }
  }
  if (parsed.positionals.length !== shape.args.length) {
    throw new OpsError(
      "usage",
      `${command} takes ${shape.args.join(" ") || "no arguments"}: dagspec ${command} ${shape.args.join(" ")}`.trim(),
    );
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

async function runCommand(
  command: OpsCommand,
  args: readonly string[],
  io: OpsIo,
): Promise<number> {
  const { values: v, positionals } = parse(command, args);
  const root = path.resolve(v.root ?? process.cwd());
  const conf = parseConf(v.conf ?? []);
  const tryNumber = v.try === undefined ? undefined : positiveInt("--try", v.try);
  const intervalMs = 1000 * (v.interval === undefined ? 5 : positiveInt("--interval", v.interval));
  const target = resolveTarget({
    root,
    ...(v.env ? { env: v.env } : {}),
    ...(v.stack ? { stack: v.stack } : {}),
    ...(v.region ? { region: v.region } : {}),
    ...(v.endpoint ? { endpoint: v.endpoint } : {}),
  });
  const region = target.region ?? (await defaultRegion(target.endpoint));
  const environment = await MwaaEnvironment.open({
    environment: target.environment,
    region,
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
  });
  const facts = pipelineFacts(root);
  const backend: OpsBackend = new AirflowBackend(environment, facts);
  const [pipeline = "", task = ""] = positionals;

  switch (command) {
    case "trigger": {
      const { runId, notes } = await backend.trigger(pipeline, conf);
      for (const n of notes) io.out(`${n}\n`);
      const confText = Object.keys(conf).length ? ` with conf ${JSON.stringify(conf)}` : "";
      io.out(`triggered ${pipeline}${confText} on ${backend.description}: run ${runId}\n`);
      if (!v.wait) {
        io.out(`follow it: dagspec status ${pipeline} --run ${runId}\n`);
        return 0;
      }
      io.out("\n");
      const order = facts.get(pipeline)?.tasks ?? [];
      const followed = await followRun({
        backend,
        pipeline,
        runId,
        write: io.out,
        width: Math.max(4, ...order.map((t) => t.length)),
        intervalMs,
        approvals: facts.get(pipeline)?.approvals ?? [],
      });
      const tasks = await backend.tasks(pipeline, runId, { tries: true });
      io.out("\n" + summaryTable(rows(tasks, followed.observedTries)));
      io.out(`\nrun ${runId}: ${followed.run.state}${took(followed.run)}\n`);
      const ok = followed.run.state === "success" && !tasks.some((t) => t.state === "failed");
      if (!ok)
        io.err(
          `dagspec trigger: ${pipeline} did not succeed; see dagspec logs ${pipeline} TASK --run ${runId}\n`,
        );
      return ok ? 0 : 1;
    }
    case "runs": {
      const runs = await backend.runs(pipeline);
      if (!runs.length) {
        io.out(`${pipeline} has no runs on ${backend.description}\n`);
        return 0;
      }
      io.out(
        table(
          ["run", "state", "start", "duration"],
          runs.map((r) => [
            r.id,
            r.state,
            r.start ?? "-",
            r.start ? formatSeconds(seconds(r)) : "-",
          ]),
        ),
      );
      return 0;
    }
    case "status": {
      const run = v.run ? await backend.run(pipeline, v.run) : await latest(backend, pipeline);
      const tasks = await backend.tasks(pipeline, run.id, { tries: true });
      io.out(`run ${run.id} of ${pipeline}: ${run.state}${took(run)}\n\n`);
      io.out(summaryTable(rows(tasks)));
      return 0;
    }
    case "logs": {
      const run = v.run ? await backend.run(pipeline, v.run) : await latest(backend, pipeline);
      const log = await backend.taskLog(pipeline, run.id, task, tryNumber);
      io.out(`*** ${task}, try ${log.tryNumber}, run ${run.id} of ${pipeline} (${log.source})\n`);
      for (const line of log.lines) io.out(`${line}\n`);
      return 0;
    }
    case "approve":
    case "reject": {
      const decision = command;
      const run = v.run ? await backend.run(pipeline, v.run) : await waitingRun(backend, pipeline);
      await backend.decide(pipeline, run.id, decision);
      io.out(
        `${decision === "approve" ? "approved" : "rejected"} run ${run.id} of ${pipeline} ` +
          `(Airflow Variable ${approvalKey(pipeline, run.id)}); its approval task reads it at its next check\n`,
      );
      return 0;
    }
    case "ui": {
      const url = await backend.signInUrl();
      io.out(`${url}\n(one-time sign-in URL for ${backend.description}; it expires in a minute)\n`);
      if (!v["no-browser"] && io.openBrowser) io.openBrowser(url);
      return 0;
    }
  }
}

function rows(tasks: readonly TaskInfo[], observed?: Map<string, number>): TaskRow[] {
  return tasks.map((t) => ({
    task: t.task,
    state: t.state === "none" ? "not run" : t.state,
    tries: t.tries ?? observed?.get(t.task) ?? 0,
    duration: t.start && t.end ? epoch(t.end) - epoch(t.start) : null,
  }));
}

function seconds(r: RunInfo): number {
  return (r.end ? epoch(r.end) : Date.now() / 1000) - epoch(r.start);
}

function took(r: RunInfo): string {
  if (!r.start) return "";
  return FINISHED_RUN_STATES.has(r.state)
    ? ` in ${formatSeconds(seconds(r))}`
    : ` for ${formatSeconds(seconds(r))}`;
}

async function latest(backend: OpsBackend, pipeline: string): Promise<RunInfo> {
  const [run] = await backend.runs(pipeline);
  if (!run) throw new OpsError("unknown-run", `${pipeline} has no runs on ${backend.description}`);
  return run;
}

/** The newest run still going: the one an approval can be waiting in. */
async function waitingRun(backend: OpsBackend, pipeline: string): Promise<RunInfo> {
  const runs = await backend.runs(pipeline);
  const run = runs.find((r) => !FINISHED_RUN_STATES.has(r.state));
  if (!run) {
    throw new OpsError(
      "not-waiting",
      `no run of ${pipeline} is waiting${runs[0] ? ` (the latest, ${runs[0].id}, is ${runs[0].state})` : ""}`,
    );
  }
  return run;
}

export function parseConf(items: readonly string[]): Record<string, unknown> {
  const conf: Record<string, unknown> = {};
  for (const item of items) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new OpsError("usage", `--conf wants KEY=VALUE, not ${item}`);
    const raw = item.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      // a plain string
    }
    conf[item.slice(0, eq)] = value;
  }
  return conf;
}

function positiveInt(option: string, text: string): number {
  if (!/^[1-9]\d*$/.test(text))
    throw new OpsError("usage", `${option} wants a positive whole number, not ${text}`);
  return Number(text);
}

/** The SDK's default region (AWS_REGION, the profile's); a local endpoint does not care. */
async function defaultRegion(endpoint: string | undefined): Promise<string> {
  const region = await new MWAAClient({}).config.region().catch(() => undefined);
  if (region) return region;
  if (endpoint) return "us-east-1";
  throw new OpsError(
    "usage",
    "no AWS region: pass --region, or set AWS_REGION or a profile's region",
  );
}

/** Task order and approval tasks from the specs in dags-src/, when they compile. */
export function pipelineFacts(root: string): Map<string, PipelineFacts> {
  if (!fs.existsSync(path.join(root, SPECS_DIR))) return new Map();
  const result = compileProject(diskProject(root), { target: "2.10", runtime: runtimeSource() });
  if (result.diagnostics.length) return new Map();
  return new Map(
    result.pipelines.map((p) => [
      p.id,
      {
        tasks: p.tasks.map((t) => t.id),
        approvals: p.tasks.filter((t) => t.op.kind === "approval").map((t) => t.id),
      },
    ]),
  );
}

export function table(header: string[], cells: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((x, i) => x.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return (
    [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n") +
    "\n"
  );
}

/**
 * A browser opener for an interactive terminal with a display; none in CI, in tests (no TTY)
 * or on a server, where the printed URL is what the user copies.
 */
function browserOpener(): ((url: string) => void) | undefined {
  if (process.env.CI || !process.stdout.isTTY) return undefined;
  const command =
    process.platform === "darwin"
      ? "open"
      : process.platform === "linux" && (process.env.DISPLAY || process.env.WAYLAND_DISPLAY)
        ? "xdg-open"
        : undefined;
  if (!command) return undefined;
  return (url) => {
    const child = spawn(command, [url], { stdio: "ignore", detached: true });
    child.on("error", () => undefined);
    child.unref();
  };
}
