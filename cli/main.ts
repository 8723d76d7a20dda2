// dagspec: compile pipeline specs into Airflow DAGs and check them.
// Exit codes: 0 ok, 1 spec errors or stale output, 2 usage or internal error.

import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  compileEach,
  compileProject,
  dagFileName,
  supportFiles,
  type CompileResult,
} from "../compiler/compile";
import {
  formatDiagnostic,
  sortDiagnostics,
  type Diagnostic,
  type SourceFile,
} from "../compiler/diagnostics";
import { AIRFLOW_TARGETS, type AirflowTarget } from "../compiler/ir";
import { readConfig } from "../compiler/config";
import { OUTPUT_DIR, diskProject } from "../compiler/project";
import { apply, inMemory, plan, type Output, type Plan } from "../compiler/write";
import { pythonEnv, packageRoot, runtimeSource } from "./paths";
import { RUN_USAGE, runnerMain } from "../runner/main";
import { OPS_COMMANDS, OPS_USAGE, opsMain } from "../ops/main";

const USAGE = `usage: dagspec <command> [options]

commands:
  compile            compile dags-src/*.yaml into generated-dags/
  compile --check    exit 1 if generated-dags/ differs from what compile would write
  validate           compile, then import every DAG in real Airflow and compare its graph
                     with the spec; prints each file's parse time
  graph              print each pipeline's task graph as JSON
${RUN_USAGE}
${OPS_USAGE}

options:
  --airflow 2.10|3.0   Airflow version to emit for (default: airflow: in
                       dags-src/dagspec.config.yaml, else 2.10)
  --root DIR           project folder (default: the current folder)
  --out DIR            write the DAG folder here instead of generated-dags/ (compile only;
                       the schema and docs are not written)
  --json               print diagnostics as JSON lines on stdout (for editors)`;

class UsageError extends Error {}

interface Options {
  command: string;
  check: boolean;
  target?: AirflowTarget;
  root: string;
  out?: string;
  json: boolean;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { command: "", check: false, root: process.cwd(), json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === "--check") opts.check = true;
    else if (a === "--json") opts.json = true;
    else if (a === "--airflow") {
      const v = value();
      if (!(AIRFLOW_TARGETS as readonly string[]).includes(v)) {
        throw new UsageError(`--airflow must be one of ${AIRFLOW_TARGETS.join(", ")}, not ${v}`);
      }
      opts.target = v as AirflowTarget;
    } else if (a === "--root") opts.root = path.resolve(value());
    else if (a === "--out") opts.out = path.resolve(value());
    else if (a === "-h" || a === "--help" || a === "help") opts.command = "help";
    else if (a.startsWith("-")) throw new UsageError(`unknown option ${a}`);
    else if (!opts.command) opts.command = a;
    else throw new UsageError(`unexpected argument ${a}`);
  }
  if (!["compile", "validate", "graph", "help"].includes(opts.command)) {
    throw new UsageError(opts.command ? `unknown command ${opts.command}` : "no command given");
  }
  if (opts.check && opts.command !== "compile") throw new UsageError("--check goes with compile");
  if (opts.out && opts.command !== "compile") throw new UsageError("--out goes with compile");
  return opts;
}

let jsonOutput = false;

function printDiagnostics(diagnostics: Diagnostic[], sources: Map<string, SourceFile>): void {
  for (const d of sortDiagnostics(diagnostics)) {
    if (jsonOutput) process.stdout.write(JSON.stringify(d) + "\n");
    else process.stderr.write(formatDiagnostic(d, sources.get(d.file)) + "\n\n");
  }
  const files = new Set(diagnostics.map((d) => d.file)).size;
  process.stderr.write(`${diagnostics.length} error(s) in ${files} file(s); nothing was written\n`);
}

/** The Airflow target: --airflow, else the spec set's config; undefined after printing config errors. */
function target(opts: Options): AirflowTarget | undefined {
  const config = readConfig(diskProject(opts.root));
  if (config.diagnostics.length) {
    printDiagnostics(config.diagnostics, new Map([[config.source!.path, config.source!]]));
    return undefined;
  }
  return opts.target ?? config.target;
}

/** The whole compile in memory, for the commands that need every pipeline's IR. */
function compile(opts: Options): { result: CompileResult; target: AirflowTarget } | undefined {
  const airflow = target(opts);
  if (!airflow) return undefined;
  const result = compileProject(diskProject(opts.root), {
    target: airflow,
    runtime: runtimeSource(),
  });
  if (result.diagnostics.length === 0) return { result, target: airflow };
  printDiagnostics(result.diagnostics, result.sources);
  return undefined;
}

/**
 * Compiles spec by spec, staging each DAG file in a temporary folder so memory does not grow
 * with the number of specs, then writes the changes only if every spec compiled.
 */
function runCompile(opts: Options): number {
  const project = diskProject(opts.root);
  const airflow = target(opts);
  if (!airflow) return 1;
  const compileOptions = { target: airflow, runtime: runtimeSource() };
  // With --out, the DAG folder goes elsewhere and only it is written.
  const root = opts.out ? path.dirname(opts.out) : opts.root;
  const outputDir = opts.out ? path.basename(opts.out) : OUTPUT_DIR;
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), "dagspec-staging-"));
  try {
    const outputs: Output[] = [];
    const diagnostics: Diagnostic[] = [];
    const sources = new Map<string, SourceFile>();
    let pipelines = 0;
    for (const r of compileEach(project, compileOptions)) {
      if (r.diagnostics.length) {
        diagnostics.push(...r.diagnostics);
        sources.set(r.source.path, r.source);
      }
      if (!r.dag || diagnostics.length) continue;
      pipelines++;
      const staged = path.join(staging, r.dag.name);
      fs.writeFileSync(staged, r.dag.content);
      outputs.push({
        path: `${outputDir}/${r.dag.name}`,
        read: () => fs.readFileSync(staged, "utf8"),
      });
    }
    if (diagnostics.length) {
      printDiagnostics(diagnostics, sources);
      return 1;
    }
    const support = supportFiles(project, compileOptions);
    outputs.push(...inMemory(support.dags, `${outputDir}/`));
    if (!opts.out) outputs.push(...inMemory(support.files));
    return writeOutputs(opts, root, airflow, plan(root, outputDir, outputs), outputs, pipelines);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function writeOutputs(
  opts: Options,
  root: string,
  airflow: AirflowTarget,
  p: Plan,
  outputs: Output[],
  pipelines: number,
): number {
  const summary = `${pipelines} pipeline(s) for Airflow ${airflow}`;
  if (opts.check) {
    for (const c of p.changes) process.stderr.write(`stale: ${c.path} would be ${c.action}d\n`);
    for (const f of p.foreign) process.stderr.write(`not generated by dagspec: ${f}\n`);
    if (p.changes.length || p.foreign.length) {
      process.stderr.write(
        "generated files are out of date: run `dagspec compile` and commit the result\n",
      );
      return 1;
    }
    process.stdout.write(`up to date: ${summary}\n`);
    return 0;
  }
  apply(root, p, outputs);
  for (const c of p.changes) process.stdout.write(`${c.action}d ${c.path}\n`);
  for (const f of p.foreign)
    process.stderr.write(`warning: ${f} was not generated by dagspec; left in place\n`);
  process.stdout.write(`compiled ${summary}: ${p.changes.length} file(s) changed\n`);
  return 0;
}

/** Each DAG file's id and task graph, as the spec defines them. */
function graphs(
  result: CompileResult,
): Record<string, { dag_id: string; tasks: Record<string, string[]> }> {
  return Object.fromEntries(
    result.pipelines.map((p) => [
      dagFileName(p.id),
      { dag_id: p.id, tasks: Object.fromEntries(p.tasks.map((t) => [t.id, t.upstream])) },
    ]),
  );
}

function runValidate(opts: Options): number {
  const compiled = compile(opts);
  if (!compiled) return 1;
  const { result, target: airflow } = compiled;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dagspec-validate-"));
  const dags = path.join(dir, "dags");
  try {
    for (const [rel, content] of result.dags) {
      fs.mkdirSync(path.dirname(path.join(dags, rel)), { recursive: true });
      fs.writeFileSync(path.join(dags, rel), content);
    }
    const expected = path.join(dir, "expected.json");
    fs.writeFileSync(expected, JSON.stringify(graphs(result)));
    const venv = pythonEnv(`airflow-${airflow}`);
    const resultFile = path.join(dir, "result.json");
    execFileSync(
      path.join(venv, "bin", "python"),
      [path.join(packageRoot(), "cli", "python", "check_dags.py"), dags, expected, resultFile],
      { env: airflowEnv(path.join(dir, "home"), dags), stdio: ["ignore", "ignore", "inherit"] },
    );
    const report = JSON.parse(fs.readFileSync(resultFile, "utf8")) as {
      import_errors: Record<string, string>;
      mismatches: string[];
      files: { file: string; dag_id: string; parse_seconds: number | null }[];
    };
    for (const f of report.files) {
      const ms =
        f.parse_seconds === null ? "not parsed" : `${(f.parse_seconds * 1000).toFixed(1)} ms`;
      process.stdout.write(`${f.file.padEnd(40)} ${f.dag_id.padEnd(32)} ${ms}\n`);
    }
    for (const [file, error] of Object.entries(report.import_errors)) {
      process.stderr.write(`import error in ${file}:\n${error}\n`);
    }
    for (const m of report.mismatches) process.stderr.write(`mismatch: ${m}\n`);
    const bad = Object.keys(report.import_errors).length + report.mismatches.length;
    process.stdout.write(
      `${report.files.length} DAG(s) imported in Airflow ${airflow}: ${Object.keys(report.import_errors).length} import error(s), ${report.mismatches.length} graph mismatch(es)\n`,
    );
    return bad ? 1 : 0;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Environment for a throw-away Airflow: its own home, the DAG folder on sys.path, no examples. */
export function airflowEnv(home: string, dags: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AIRFLOW_HOME: home,
    AIRFLOW__CORE__DAGS_FOLDER: dags,
    AIRFLOW__CORE__LOAD_EXAMPLES: "False",
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: `sqlite:///${path.join(home, "airflow.db")}`,
    PYTHONWARNINGS: "ignore",
  };
}

export function main(argv: string[]): number {
  let opts: Options;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`dagspec: ${e.message}\n\n${USAGE}\n`);
    return 2;
  }
  jsonOutput = opts.json;
  switch (opts.command) {
    case "help":
      process.stdout.write(USAGE + "\n");
      return 0;
    case "compile":
      return runCompile(opts);
    case "validate":
      return runValidate(opts);
    case "graph": {
      const compiled = compile(opts);
      if (!compiled) return 1;
      process.stdout.write(JSON.stringify(graphs(compiled.result), null, 2) + "\n");
      return 0;
    }
  }
  return 2;
}

/** The process entry point: spec mistakes are diagnostics; anything thrown is a bug. */
export function run(argv: string[]): void {
  const ops = (OPS_COMMANDS as readonly string[]).includes(argv[0] ?? "");
  if (argv[0] === "run" || argv[0] === "up" || ops) {
    // The local runner (runner/) and the operations commands (ops/) are asynchronous.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
    (ops ? opsMain(argv) : runnerMain(argv)).then(
      (code) => (process.exitCode = code),
      (e: unknown) => {
        process.stderr.write(
          `dagspec: internal error (a bug; please report it):\n${(e as Error).stack ?? String(e)}\n`,
        );
        process.exitCode = 2;
      },
    );
    return;
  }
  try {
    process.exitCode = main(argv);
  } catch (e) {
    process.stderr.write(
      `dagspec: internal error (a bug; please report it):\n${(e as Error).stack ?? String(e)}\n`,
    );
    process.exitCode = 2;
  }
}
