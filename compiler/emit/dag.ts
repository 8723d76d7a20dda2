// Stage 4: IR → one Python DAG file for an Airflow target. The file holds only imports and
// DAG construction; every value from the spec goes through the literal printers.

import type { AirflowTarget, PipelineIR, TaskIR, TaskSettings } from "../ir";
import { visible } from "../diagnostics";
import { KINDS } from "../kinds";
import type { OperatorCall } from "../kinds/kind";
import { SETTINGS_DEFAULTS } from "../spec";
import { namesIn, printExpr, type Scope } from "./printer";
import {
  IMAGE_MACRO,
  Identifiers,
  py,
  pyString,
  templateSafe,
  unreachable,
  type PyExpr,
  type PyName,
} from "./python";
import { RUNTIME } from "../kinds/kind";
import TEMPLATE_FIELDS from "./template-fields.json";

/**
 * The arguments Airflow renders with Jinja on a class, as the installed providers declare
 * them (template-fields.json, checked against both Airflow versions by
 * test/compiler/template-fields.test.ts).
 */
export function renderedFields(cls: PyName, target: AirflowTarget): Set<string> {
  const known = (TEMPLATE_FIELDS as Record<string, Record<string, TemplateInfo>>)[target]![
    `${cls.module}:${cls.name}`
  ];
  // A class the table does not know would be emitted without knowing what Airflow renders.
  if (!known) throw new Error(`no template fields known for ${cls.module}:${cls.name} (${target})`);
  // Strings ending in a template extension are read as template files; no class here has one.
  if (known.template_ext.length)
    throw new Error(`${cls.name} reads template files (${known.template_ext.join(", ")})`);
  return new Set(known.template_fields);
}

interface TemplateInfo {
  template_fields: string[];
  template_ext: string[];
}

/** A call whose rendered arguments are template-safe (see templateSafe). */
function renderedCall(callee: PyName, kwargs: [string, PyExpr][], target: AirflowTarget): PyExpr {
  const rendered = renderedFields(callee, target);
  return py.call(
    callee,
    [],
    kwargs.map(([k, v]) => [k, rendered.has(k) ? templateSafe(v) : v]),
  );
}

const DATETIME = "datetime";
const dt = (name: string): PyName => ({ module: DATETIME, name, style: "module" });

function dagClass(target: AirflowTarget): PyName {
  return target === "2.10"
    ? { module: "airflow", name: "DAG" }
    : { module: "airflow.sdk", name: "DAG" };
}

function paramClass(target: AirflowTarget): PyName {
  return target === "2.10"
    ? { module: "airflow.models.param", name: "Param" }
    : { module: "airflow.sdk", name: "Param" };
}

export function timedelta(seconds: number): PyExpr {
  const units: [string, number][] = [
    ["days", 86400],
    ["hours", 3600],
    ["minutes", 60],
    ["seconds", 1],
  ];
  const [unit, size] = units.find(([, n]) => seconds % n === 0)!;
  return py.call(dt("timedelta"), [], [[unit, py.int(seconds / size)]]);
}

function settingsArgs(s: TaskSettings): [string, PyExpr][] {
  const out: [string, PyExpr][] = [];
  if (s.owner !== undefined) out.push(["owner", py.str(s.owner)]);
  if (s.retries !== undefined) out.push(["retries", py.int(s.retries)]);
  if (s.retryDelay !== undefined) out.push(["retry_delay", timedelta(s.retryDelay)]);
  if (s.retryExponentialBackoff !== undefined)
    out.push(["retry_exponential_backoff", py.bool(s.retryExponentialBackoff)]);
  if (s.maxRetryDelay !== undefined) out.push(["max_retry_delay", timedelta(s.maxRetryDelay)]);
  if (s.executionTimeout !== undefined)
    out.push(["execution_timeout", timedelta(s.executionTimeout)]);
  return out;
}

function operatorCall(task: TaskIR, target: AirflowTarget): OperatorCall {
  const op = task.op;
  switch (op.kind) {
    case "empty":
      return KINDS.empty.emit(op, target);
    case "glue.crawler":
      return KINDS["glue.crawler"].emit(op, target);
    case "glue.job":
      return KINDS["glue.job"].emit(op, target);
    case "python":
      return KINDS.python.emit(op, target);
    case "sagemaker.training":
      return KINDS["sagemaker.training"].emit(op, target);
    case "sagemaker.processing":
      return KINDS["sagemaker.processing"].emit(op, target);
    case "sagemaker.model":
      return KINDS["sagemaker.model"].emit(op, target);
    case "sagemaker.transform":
      return KINDS["sagemaker.transform"].emit(op, target);
    case "sagemaker.endpoint":
      return KINDS["sagemaker.endpoint"].emit(op, target);
    case "sagemaker.register":
      return KINDS["sagemaker.register"].emit(op, target);
    case "lambda.invoke":
      return KINDS["lambda.invoke"].emit(op, target);
    case "sensor.s3":
      return KINDS["sensor.s3"].emit(op, target);
    case "metric.gate":
      return KINDS["metric.gate"].emit(op, target);
    case "approval":
      return KINDS.approval.emit(op, target);
    case "notify":
      return KINDS.notify.emit(op, target);
    case "trigger.dag":
      return KINDS["trigger.dag"].emit(op, target);
    default:
      return unreachable(op);
  }
}

/** Whether any operator argument renders the image macro, which the DAG must then register. */
function usesImages(calls: OperatorCall[]): boolean {
  const walk = (e: PyExpr): boolean =>
    e.kind === "template"
      ? e.parts.some((p) => p.kind === "image")
      : e.kind === "list"
        ? e.items.some(walk)
        : e.kind === "dict"
          ? e.entries.some(([, v]) => walk(v))
          : e.kind === "call"
            ? [...e.args, ...e.kwargs.map(([, v]) => v)].some(walk)
            : false;
  return calls.some((c) => c.arguments.some(([, v]) => walk(v)));
}

/** A Markdown code fence longer than any run of backticks in the text. */
function fenced(text: string, lang: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${lang}\n${text.endsWith("\n") ? text : text + "\n"}${fence}\n`;
}

function dagArgs(p: PipelineIR, target: AirflowTarget, images: boolean): [string, PyExpr][] {
  const [y, m, d] = p.startDate;
  const schedule = p.schedule.kind === "none" ? py.none() : py.str(p.schedule.value);
  const defaults: TaskSettings = { ...SETTINGS_DEFAULTS, ...p.defaults };
  const doc = `Compiled by dagspec from \`${p.source.path}\`; edit the spec, not the DAG file.\n\n${fenced(p.source.text, "yaml")}`;
  const args: [string, PyExpr][] = [["dag_id", py.str(p.id)]];
  if (p.description !== undefined) args.push(["description", py.str(p.description)]);
  args.push(
    ["doc_md", py.str(doc)],
    ["schedule", schedule],
    [
      "start_date",
      py.call(
        dt("datetime"),
        [py.int(y), py.int(m), py.int(d)],
        [["tzinfo", { kind: "name", ref: dt("UTC") }]],
      ),
    ],
    ["catchup", py.bool(p.catchup)],
    ["max_active_runs", py.int(p.maxActiveRuns)],
  );
  if (p.timeout !== undefined) args.push(["dagrun_timeout", timedelta(p.timeout)]);
  args.push(["tags", py.list(p.tags.map(py.str))]);
  args.push(["default_args", py.dict(settingsArgs(defaults))]);
  if (p.params.length) {
    args.push([
      "params",
      py.dict(
        p.params.map((param) => {
          const kwargs: [string, PyExpr][] = [["type", py.str(param.type)]];
          if (param.description !== undefined)
            kwargs.push(["description", py.str(param.description)]);
          if (param.enum) kwargs.push(["enum", py.list(param.enum.map(literal))]);
          if (param.minimum !== undefined) kwargs.push(["minimum", literal(param.minimum)]);
          if (param.maximum !== undefined) kwargs.push(["maximum", literal(param.maximum)]);
          return [param.name, py.call(paramClass(target), [literal(param.default)], kwargs)];
        }),
      ),
    ]);
  }
  if (images) {
    args.push([
      "user_defined_macros",
      py.dict([[IMAGE_MACRO, { kind: "name", ref: { module: RUNTIME, name: "image_uri" } }]]),
    ]);
  }
  if (p.onFailure) {
    args.push([
      "on_failure_callback",
      renderedCall(
        { module: "airflow.providers.amazon.aws.notifications.sns", name: "SnsNotifier" },
        [
          [
            "target_arn",
            { kind: "template", parts: [{ kind: "variable", name: p.onFailure.topicVariable }] },
          ],
          ["subject", py.str(p.onFailure.subject)],
          ["message", { kind: "jinja", text: FAILURE_MESSAGE }],
        ],
        target,
      ),
    ]);
  }
  return args;
}

/** Rendered when a run fails; the names in it are Airflow's, not the spec's. */
const FAILURE_MESSAGE =
  "Run {{ run_id }} of {{ dag.dag_id }} failed at task {{ ti.task_id }}. Log: {{ ti.log_url }}";

function literal(v: string | number | boolean): PyExpr {
  if (typeof v === "string") return py.str(v);
  if (typeof v === "boolean") return py.bool(v);
  return { kind: Number.isInteger(v) ? "int" : "float", value: v };
}

/**
 * The first lines of a generated file. The path is escaped like a message (spec file names
 * are checked, but a comment must hold one line whatever it is given: a newline would end the
 * comment and start Python code).
 */
export function header(sourcePath: string, sha256?: string): string {
  const what = `# Generated by dagspec from ${visible(sourcePath)}. DO NOT EDIT: change the source and run \`dagspec compile\`.\n`;
  return sha256 ? `${what}# Source sha256: ${sha256}\n` : what;
}

export function emitDag(p: PipelineIR, target: AirflowTarget): string {
  const calls = p.tasks.map((task) => operatorCall(task, target));
  const dagCall = py.call(dagClass(target), [], dagArgs(p, target, usesImages(calls)));
  const tasks = p.tasks.map((task, i) => {
    const call = calls[i]!;
    const kwargs: [string, PyExpr][] = [
      ["task_id", py.str(task.id)],
      ...settingsArgs(task.settings),
    ];
    if (task.triggerRule) kwargs.push(["trigger_rule", py.str(task.triggerRule)]);
    if (task.doc !== undefined) kwargs.push(["doc_md", py.str(task.doc)]);
    kwargs.push(...call.arguments);
    return { task, expr: renderedCall(call.operator, kwargs, target) };
  });

  // Imports: every name used, sorted; local names are the imported names themselves.
  const names = [dagCall, ...tasks.map((t) => t.expr)].flatMap((e) => namesIn(e));
  const modules = new Set<string>();
  const fromImports = new Map<string, Set<string>>();
  for (const n of names) {
    if (n.style === "module") modules.add(n.module);
    else
      (fromImports.get(n.module) ?? fromImports.set(n.module, new Set()).get(n.module)!).add(
        n.name,
      );
  }
  const scope: Scope = { local: (n) => (n.style === "module" ? `${n.module}.${n.name}` : n.name) };
  const ids = new Identifiers([
    ...modules,
    ...[...fromImports.values()].flatMap((s) => [...s]),
    "dag",
  ]);

  const lines: string[] = [header(p.source.path, p.source.sha256).trimEnd(), ""];
  for (const m of [...modules].sort()) lines.push(`import ${m}`);
  if (modules.size) lines.push("");
  for (const m of [...fromImports.keys()].sort()) {
    const names = [...fromImports.get(m)!].sort(importOrder);
    const line = `from ${m} import ${names.join(", ")}`;
    lines.push(
      line.length <= 100
        ? line
        : `from ${m} import (\n${names.map((n) => `    ${n},\n`).join("")})`,
    );
  }
  lines.push("", `with ${printExpr(dagCall, scope, "", 5)} as dag:`);
  // Validation requires a task; an empty body would not even be Python.
  if (tasks.length === 0) lines.push("    pass");
  for (const { task, expr } of tasks) {
    const name = ids.get(task.id);
    lines.push(`    ${name} = ${printExpr(expr, scope, "    ", 7 + name.length)}`);
  }
  const edges = p.tasks.filter((t) => t.upstream.length);
  if (edges.length) lines.push("");
  for (const t of edges) {
    const ups = t.upstream.map((u) => ids.get(u));
    lines.push(`    ${ups.length === 1 ? ups[0] : `[${ups.join(", ")}]`} >> ${ids.get(t.id)}`);
  }
  return lines.join("\n") + "\n";
}

/** isort's order for names in one from-import: CONSTANTS, then Classes, then functions. */
function importOrder(a: string, b: string): number {
  const rank = (s: string) => (s === s.toUpperCase() ? 0 : /^[A-Z]/.test(s) ? 1 : 2);
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

export { pyString };
