// `dagspec run` and `dagspec up`: a pipeline end to end on this machine, real Airflow against
// moto, no AWS account and no Docker.
//
//   run: compile, start moto, create the manifest's resources in it, `airflow dags test` the
//        pipeline with the listener's local stand-ins, print progress and a summary, stop moto.
//   up:  the same stand-in, plus the Airflow UI and scheduler on localhost, until Ctrl-C.

import * as fs from "node:fs";
import * as path from "node:path";
import { AIRFLOW_TARGETS, type AirflowTarget, type PipelineIR } from "../compiler/ir";
import { pythonEnv } from "../cli/paths";
import {
  dagsTest,
  followEvents,
  formatSeconds,
  newHome,
  newRunDir,
  progressPrinter,
  readSummary,
  runnerEnv,
  summaryTable,
  templateDb,
  versionHome,
  type RunSummary,
  type TaskEvent,
} from "./airflow";
import { isStopping } from "./lifetime";
import { startFailingEndpoint, type FailingEndpoint } from "./fail";
import { startInbox, type Inbox, type Notification } from "./inbox";
import { startMoto, type Moto } from "./moto";
import { missingVariables, planLocal, provision, type LocalPlan } from "./provision";
import { RunUsageError, compileFor, dagFolder } from "./compiled";
import { imagePythons } from "./images";
import { runUp } from "./up";

export const RUN_USAGE = `  run PIPELINE       run a pipeline end to end in local Airflow against moto (no AWS)
    --conf KEY=VALUE   a run parameter (repeatable); VALUE is read as JSON when it parses
    --fail TASK        make TASK's AWS calls fail, to see retries and the failure path
    --approve          approve the run's approval tasks up front
    --retry-delay S    seconds between retries (default 2, doubling; "spec" keeps the spec's)
    --verbose          show Airflow's own output instead of writing it to the run's log
  up                 moto plus the Airflow UI and scheduler on localhost, until Ctrl-C
    --port N           the UI's port (default: a free one)`;

/** Task kinds whose operator reaches AWS through an Airflow connection, which --fail redirects. */
const FAILABLE = new Set([
  "glue.crawler",
  "glue.job",
  "sagemaker.training",
  "sagemaker.processing",
  "sagemaker.model",
  "sagemaker.transform",
  "sagemaker.endpoint",
  "sagemaker.register",
  "lambda.invoke",
  "notify",
]);

export interface RunOptions {
  command: "run" | "up";
  root: string;
  target?: AirflowTarget;
  pipeline?: string;
  conf: Record<string, unknown>;
  fail?: string;
  approve: boolean;
  retryDelay?: number;
  verbose: boolean;
  port?: number;
}

export function parseRunArgs(argv: readonly string[]): RunOptions {
  const [command, ...rest] = argv;
  if (command !== "run" && command !== "up")
    throw new RunUsageError(`not a runner command: ${command}`);
  const o: RunOptions = {
    command,
    root: process.cwd(),
    conf: {},
    approve: false,
    verbose: false,
    retryDelay: 2,
  };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new RunUsageError(`${a} needs a value`);
      return v;
    };
    if (a === "--airflow") {
      const v = value();
      if (!(AIRFLOW_TARGETS as readonly string[]).includes(v)) {
        throw new RunUsageError(`--airflow must be one of ${AIRFLOW_TARGETS.join(", ")}, not ${v}`);
      }
      o.target = v as AirflowTarget;
    } else if (a === "--root") o.root = path.resolve(value());
    else if (a === "--conf" && command === "run") {
      const v = value();
      const eq = v.indexOf("=");
      if (eq <= 0) throw new RunUsageError(`--conf wants KEY=VALUE, not ${v}`);
      o.conf[v.slice(0, eq)] = parseValue(v.slice(eq + 1));
    } else if (a === "--fail" && command === "run") o.fail = value();
    else if (a === "--approve" && command === "run") o.approve = true;
    else if (a === "--verbose") o.verbose = true;
    else if (a === "--retry-delay") {
      const v = value();
      if (v === "spec") o.retryDelay = undefined;
      else if (/^\d+(\.\d+)?$/.test(v)) o.retryDelay = Number(v);
      else throw new RunUsageError(`--retry-delay wants seconds or "spec", not ${v}`);
    } else if (a === "--port" && command === "up") {
      const v = value();
      if (!/^\d+$/.test(v)) throw new RunUsageError(`--port wants a number, not ${v}`);
      o.port = Number(v);
    } else if (a.startsWith("-")) throw new RunUsageError(`unknown option ${a} for ${command}`);
    else if (command === "run" && o.pipeline === undefined) o.pipeline = a;
    else throw new RunUsageError(`unexpected argument ${a}`);
  }
  if (command === "run" && !o.pipeline) throw new RunUsageError("run needs a pipeline id");
  return o;
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export interface RunReport {
  pipeline: string;
  airflow: AirflowTarget;
  runId: string;
  logicalDate: string;
  state: string;
  exitCode: number;
  tasks: RunSummary["tasks"];
  notifications: { topic: string; subject: string | null; message: string }[];
  seconds: {
    total: number;
    setup: number;
    airflowStartup: number;
    tasks: number;
    airflowShutdown: number;
  };
  runDir: string;
  failRefused?: number;
}

const out = (s: string) => process.stdout.write(s);
const err = (s: string) => process.stderr.write(s);

export async function runPipeline(o: RunOptions): Promise<number> {
  const t0 = Date.now() / 1000;
  const { result, target } = compileFor(o.root, o.target);
  const pipeline = result.pipelines.find(
    (p) => p.id === o.pipeline || p.id.replace(/-/g, "_") === o.pipeline,
  );
  if (!pipeline) {
    throw new RunUsageError(
      `no pipeline ${o.pipeline}; the specs define ${result.pipelines.map((p) => p.id).join(", ")}`,
    );
  }
  if (o.fail !== undefined) checkFailTask(pipeline, o.fail);

  const venvs = {
    airflow: pythonEnv(`airflow-${target}`),
    glue: pythonEnv("glue"),
    runner: pythonEnv("runner"),
    images: imagePythons([pipeline]),
  };
  const home = versionHome(o.root, target);
  const runDir = newRunDir(home, pipeline.id);
  const rel = path.relative(o.root, runDir) || runDir;
  out(`dagspec run ${pipeline.id} on Airflow ${target} against moto; run folder ${rel}/\n`);

  let moto: Moto | undefined;
  let failing: FailingEndpoint | undefined;
  let inbox: Inbox | undefined;
  try {
    // The database migration (first run only) and moto's start overlap.
    const [template, started] = await Promise.all([
      templateDb(venvs.airflow, home, (s) => out(s + "\n")),
      startMoto(venvs.runner, path.join(runDir, "moto.log")),
    ]);
    moto = started;
    const plan = planLocal(result, o.root);
    const missing = missingVariables(plan, result.dags);
    if (missing.length)
      throw new Error(
        `the DAGs read Airflow Variables the runner does not provide: ${missing.join(", ")}`,
      );
    inbox = await startInbox();
    const topicNames = new Map(plan.topics.map((t) => [t.arn, t.name]));
    const topicOf = (n: Notification) => topicNames.get(n.topicArn) ?? n.topicArn;
    inbox.onMessage((n) =>
      out(`${clock(n.time)}  SNS ${topicOf(n)}: ${n.subject ?? "(no subject)"}\n`),
    );
    await provision(plan, moto.endpoint, inbox.endpoint);
    out(`moto ${moto.endpoint}: ${describePlan(plan)}\n`);
    newHome(o.root, runDir, template);
    const dags = dagFolder(o.root, result.dags, path.join(runDir, "dags"));
    if (dags.note) out(`note: ${dags.note}\n`);
    if (o.fail !== undefined) {
      failing = await startFailingEndpoint(o.fail);
      out(`--fail ${o.fail}: its AWS calls go to ${failing.endpoint}, which refuses them\n`);
    }

    const logicalDate = new Date().toISOString().replace(/\.\d+Z$/, "+00:00");
    const runId = `manual__${logicalDate}`;
    const events = path.join(runDir, "events.jsonl");
    const env = runnerEnv({
      root: o.root,
      home: runDir,
      dags: dags.dir,
      endpoint: moto.endpoint,
      variables: plan.variables,
      glueVenv: venvs.glue,
      imagePythons: venvs.images,
      events,
      ...(o.retryDelay === undefined ? {} : { retryDelaySeconds: o.retryDelay }),
      ...(failing ? { fail: { dag: pipeline.id, task: o.fail!, endpoint: failing.endpoint } } : {}),
      approve: o.approve,
    });
    const confText = Object.keys(o.conf).length ? ` conf ${JSON.stringify(o.conf)}` : "";
    out(`airflow dags test ${pipeline.id} ${logicalDate}${confText} (log ${rel}/airflow.log)\n\n`);

    const width = Math.max(...pipeline.tasks.map((t) => t.id.length));
    const seen: TaskEvent[] = [];
    const print = progressPrinter(out, { width });
    const follower = followEvents(events, (e) => {
      seen.push(e);
      print(e);
    });
    const setupDone = Date.now() / 1000;
    const test = await dagsTest({
      venv: venvs.airflow,
      env,
      dagId: pipeline.id,
      logicalDate,
      conf: o.conf,
      log: path.join(runDir, "airflow.log"),
      echo: o.verbose,
    });
    follower.stop();
    // On Ctrl-C the signal handler stops everything and exits; no summary of a cut run.
    if (isStopping()) await new Promise(() => undefined);

    const summary = readSummary(
      venvs.airflow,
      path.join(runDir, "airflow.db"),
      pipeline.id,
      pipeline.tasks.map((t) => t.id),
    );
    // `dags test` leaves no start date, so durations come from the listener's events.
    for (const row of summary?.tasks ?? []) {
      row.duration = row.tries === 0 ? null : (row.duration ?? taskSeconds(seen, row.task));
    }
    const notifications = inbox.messages.map((n) => ({
      topic: topicOf(n),
      subject: n.subject,
      message: n.message,
    }));

    const running = seen.filter((e) => e.event === "running").map((e) => e.time);
    const ends = seen.map((e) => e.time);
    const firstTask = running.length ? Math.min(...running) : test.ended;
    const lastTask = ends.length ? Math.max(...ends) : test.ended;
    const failedTasks = summary?.tasks.filter((t) => t.state === "failed") ?? [];
    const state = summary?.state ?? "no run";
    const exitCode = state === "success" && failedTasks.length === 0 && test.code === 0 ? 0 : 1;
    const report: RunReport = {
      pipeline: pipeline.id,
      airflow: target,
      runId: summary?.runId ?? runId,
      logicalDate,
      state,
      exitCode,
      tasks: summary?.tasks ?? [],
      notifications,
      seconds: {
        total: round(Date.now() / 1000 - t0),
        setup: round(setupDone - t0),
        airflowStartup: round(firstTask - test.started),
        tasks: round(lastTask - firstTask),
        airflowShutdown: round(test.ended - lastTask),
      },
      runDir,
      ...(failing ? { failRefused: failing.refused() } : {}),
    };
    fs.writeFileSync(path.join(runDir, "report.json"), JSON.stringify(report, null, 2) + "\n");

    printReport(report, rel);
    if (test.code !== 0 && (state === "success" || !summary)) {
      err(`airflow dags test exited ${test.code}; see ${rel}/airflow.log\n`);
    }
    return exitCode;
  } finally {
    await failing?.close();
    await inbox?.close();
    await moto?.stop();
  }
}

function printReport(report: RunReport, rel: string): void {
  out("\n" + summaryTable(report.tasks));
  for (const n of report.notifications) {
    out(`SNS ${n.topic}: ${n.subject ?? "(no subject)"}: ${n.message}\n`);
  }
  const s = report.seconds;
  out(
    `\nrun ${report.runId}: ${report.state} in ${formatSeconds(s.total)} ` +
      `(setup ${formatSeconds(s.setup)}, Airflow start-up ${formatSeconds(s.airflowStartup)}, ` +
      `tasks ${formatSeconds(s.tasks)}, Airflow shut-down ${formatSeconds(s.airflowShutdown)})\n`,
  );
  if (report.exitCode !== 0) {
    err(`dagspec run: ${report.pipeline} did not succeed; task logs are in ${rel}/airflow.log\n`);
  }
}

function checkFailTask(pipeline: PipelineIR, task: string): void {
  const failable = pipeline.tasks.filter((t) => FAILABLE.has(t.op.kind)).map((t) => t.id);
  const found = pipeline.tasks.find((t) => t.id === task);
  if (!found)
    throw new RunUsageError(
      `--fail: ${pipeline.id} has no task ${task}; tasks that call AWS: ${failable.join(", ")}`,
    );
  if (!FAILABLE.has(found.op.kind)) {
    throw new RunUsageError(
      `--fail: ${task} is a ${found.op.kind} task, which makes no AWS call through a connection; tasks that do: ${failable.join(", ")}`,
    );
  }
}

function describePlan(plan: LocalPlan): string {
  const count = (n: number, what: string) => (n ? [`${what} ${n}`] : []);
  return [
    ...count(plan.buckets.length, "buckets"),
    ...count(plan.objects.length, "objects"),
    ...count(plan.databases.length, "Glue databases"),
    ...count(plan.crawlers.length, "crawlers"),
    ...count(plan.jobs.length, "Glue jobs"),
    ...count(plan.roles.length, "IAM roles"),
    ...count(plan.functions.length, "Lambda functions"),
    ...count(plan.topics.length, "SNS topics"),
    ...count(plan.modelPackageGroups.length, "model package groups"),
    ...count(plan.variables.size, "Airflow Variables"),
  ].join(", ");
}

/** Seconds from a task's first start to its last end, over all its tries; null if it never ran. */
export function taskSeconds(events: readonly TaskEvent[], task: string): number | null {
  const mine = events.filter((e) => e.task === task);
  const starts = mine.filter((e) => e.event === "running").map((e) => e.time);
  const ends = mine.filter((e) => e.event === "success" || e.event === "failed").map((e) => e.time);
  if (!starts.length || !ends.length) return null;
  return Math.max(...ends) - Math.min(...starts);
}

function clock(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(11, 19);
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

/** Entry point for cli/main.ts: runs `run` or `up`, returns the exit code. */
export { RunUsageError };

export async function runnerMain(argv: readonly string[]): Promise<number> {
  // Node 20 is what the project runs on; the SDK's notice about Node 22 is not for this user.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  let o: RunOptions;
  try {
    o = parseRunArgs(argv);
    return o.command === "run" ? await runPipeline(o) : await runUp(o);
  } catch (e) {
    if (e instanceof RunUsageError) {
      err(`dagspec: ${e.message}\n`);
      return 2;
    }
    err(`dagspec ${argv[0]}: ${(e as Error).message}\n`);
    return 1;
  }
}
