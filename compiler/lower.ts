// Stage 3: typed spec → IR. Resolves `${...}` references to Airflow templating, fills in
// defaults, orders the tasks, and records the resources each task needs.

import { createHash } from "node:crypto";
import {
  Reporter,
  quote,
  suggest,
  type Diagnostic,
  type SourceFile,
  type Suggestion,
} from "./diagnostics";
import type {
  DatasetLocation,
  Operation,
  ParamIR,
  PipelineIR,
  Resource,
  TaskIR,
  TextPart,
  TriggerRule,
  Value,
} from "./ir";
import { KINDS } from "./kinds";
import type { DatasetInfo, LowerContext } from "./kinds/kind";
import type { Located, Plain, Range } from "./schema";
import { upstreamOf, type Spec, type TaskSpec } from "./spec";
import type { Template } from "./values";
import { LAKE_BUCKET, databaseVariable, lambdaVariable, topicVariable } from "./variables";

export interface Project {
  fileExists(path: string): boolean;
  readFile(path: string): string | undefined;
  filesUnder(dir: string): string[];
  /** Why the path does not lead inside the project, or undefined when it does. */
  outside(path: string): string | undefined;
}

/**
 * Whether a path in a spec names a file inside the project; reports OUTSIDE_PROJECT or
 * MISSING_FILE at the path when it does not.
 */
export function projectFile(
  project: Project,
  report: Reporter,
  file: Located<string>,
  what: string,
): boolean {
  const outside = project.outside(file.value);
  if (outside !== undefined) {
    report.error(
      "OUTSIDE_PROJECT",
      file.range,
      `${what} ${quote(file.value)} is not inside the project: ${outside}`,
    );
    return false;
  }
  if (!project.fileExists(file.value)) {
    report.error("MISSING_FILE", file.range, `no such ${what}: ${quote(file.value)}`);
    return false;
  }
  return true;
}

export interface Lowered {
  pipeline?: PipelineIR;
  diagnostics: Diagnostic[];
  /** Pipelines this spec triggers; the caller checks they exist once every spec is read. */
  requiredPipelines: Located<string>[];
}

const DEFAULT_START: [number, number, number] = [2024, 1, 1];
const CONTEXT_REFS = { id: "run_id", date: "ds", ts: "ts_nodash" } as const;

export function lower(spec: Spec, source: SourceFile, project: Project): Lowered {
  const report = new Reporter(source);
  const pipeline = spec.pipeline.value;
  const { resources, datasets, functions, topics } = declarations(spec, project, report);

  const graph = new Graph(spec);
  const params = new Set((spec.params ?? []).map((p) => p.key));
  const requiredPipelines: Located<string>[] = [];

  const tasks: TaskIR[] = [];
  let ok = true;
  for (const { key, value } of orderTasks(spec, graph)) {
    const resolver = new References(report, datasets, params, graph, key);
    // Every reference of the task is checked, so all bad ones are reported at once; the
    // kind's lowering below may stop at the first that fails.
    resolveAll(value.args, resolver);
    const cx: LowerContext = {
      pipeline,
      task: key,
      report,
      functions,
      topics,
      template: (t) => resolver.template(t),
      plain: (v, r) => resolver.plain(v, r),
      dataset: (n) => resolver.dataset(n),
      requireUpstream: (t) => resolver.requireUpstream(t),
      requirePipeline: (id) => requiredPipelines.push(id),
      addResource: (r) => resources.push(r),
      fileExists: (p) => project.fileExists(p),
      readFile: (p) => project.readFile(p),
      filesUnder: (d) => project.filesUnder(d),
      projectFile: (file, what) => projectFile(project, report, file, what),
    };
    const op = KINDS[value.kind.value].lower(value.args as never, cx);
    if (op === undefined) {
      ok = false;
      continue;
    }
    const triggerRule = joinRule(graph, key, value, report);
    tasks.push({
      id: key,
      upstream: graph.upstream(key),
      ...(triggerRule ? { triggerRule } : {}),
      settings: settingsOf(value),
      ...(value.doc !== undefined ? { doc: value.doc } : {}),
      op,
    });
  }
  if (!ok || report.diagnostics.length)
    return { diagnostics: report.diagnostics, requiredPipelines };

  const defaults = spec.defaults ?? { $ranges: {} };
  const onFailure = spec.onFailure && {
    topicVariable: topics.get(spec.onFailure.topic.value)!.variable,
    subject: spec.onFailure.subject ?? `dagspec: ${pipeline} failed`,
  };
  return {
    diagnostics: [],
    requiredPipelines,
    pipeline: {
      id: pipeline,
      source: {
        path: source.path,
        sha256: createHash("sha256").update(source.text).digest("hex"),
        text: source.text,
      },
      ...(spec.description !== undefined ? { description: spec.description } : {}),
      schedule: spec.schedule ?? { kind: "none" },
      startDate: spec.startDate ?? DEFAULT_START,
      catchup: spec.catchup ?? false,
      maxActiveRuns: spec.maxActiveRuns ?? 1,
      tags: [...new Set(spec.tags ?? [])],
      ...(spec.timeout !== undefined ? { timeout: spec.timeout } : {}),
      defaults: settingsOf(defaults),
      params: (spec.params ?? []).map(({ key, value }): ParamIR => ({
        name: key,
        type: value.type,
        default: value.default.value as ParamIR["default"],
        ...(value.description !== undefined ? { description: value.description } : {}),
        ...(value.enum ? { enum: value.enum as (string | number)[] } : {}),
        ...(value.minimum !== undefined ? { minimum: value.minimum } : {}),
        ...(value.maximum !== undefined ? { maximum: value.maximum } : {}),
      })),
      ...(onFailure ? { onFailure } : {}),
      tasks,
      resources,
    },
  };
}

/** The resources a spec declares outside its tasks: datasets, their databases, functions, topics. */
function declarations(spec: Spec, project: Project, report: Reporter) {
  const pipeline = spec.pipeline.value;
  const resources: Resource[] = [];
  const datasets = new Map<string, DatasetInfo>();
  for (const { key, value } of spec.datasets ?? []) {
    const path = (value.prefix ?? value.key)!.value;
    const location: DatasetLocation = value.prefix ? { prefix: path } : { key: path };
    const crawl = value.crawl && {
      database: value.crawl.database,
      tablePrefix: value.crawl.tablePrefix ?? "",
    };
    datasets.set(key, {
      name: key,
      path,
      isPrefix: value.prefix !== undefined,
      ...(crawl ? { crawl } : {}),
    });
    resources.push({ kind: "dataset", pipeline, name: key, location });
    if (crawl && !resources.some((r) => r.kind === "glue.database" && r.name === crawl.database)) {
      resources.push({
        kind: "glue.database",
        name: crawl.database,
        variable: databaseVariable(crawl.database),
      });
    }
  }
  const functions = new Map<string, { variable: string }>();
  for (const { key, value } of spec.functions ?? []) {
    if (!projectFile(project, report, value.source, "file")) continue;
    const variable = lambdaVariable(pipeline, key);
    functions.set(key, { variable });
    resources.push({
      kind: "lambda.function",
      pipeline,
      name: key,
      variable,
      source: value.source.value,
      handler: value.handler ?? "handler",
      runtime: value.runtime ?? "python3.11",
      timeoutSeconds: value.timeout ?? 30,
      memoryMb: value.memory ?? 256,
    });
  }
  const topics = new Map<string, { variable: string }>();
  for (const { key } of spec.topics ?? []) {
    const variable = topicVariable(pipeline, key);
    topics.set(key, { variable });
    resources.push({ kind: "sns.topic", pipeline, name: key, variable });
  }
  return { resources, datasets, functions, topics };
}

/** The task graph of a spec, with gate branches as edges. */
class Graph {
  private readonly ups: Map<string, string[]>;
  private readonly downs = new Map<string, string[]>();
  /** Each task's place in the spec, which orders tasks that are ready together. */
  readonly order: Map<string, number>;
  private readonly below = new Map<string, Set<string>>();
  /** Each task's kind, by id. */
  readonly kinds: Map<string, Operation["kind"]>;
  /** For each gate: the tasks on its then and else sides. */
  readonly gates: { gate: string; then: Set<string>; else: Set<string> }[] = [];

  constructor(spec: Spec) {
    this.kinds = new Map(spec.tasks.map((e) => [e.key, e.value.kind.value]));
    this.order = new Map(spec.tasks.map((e, i) => [e.key, i]));
    this.ups = new Map(
      [...upstreamOf(spec)].map(([id, list]) => [
        id,
        [...new Set(list.map((u) => u.value))].sort(),
      ]),
    );
    for (const [id, ups] of this.ups) {
      for (const up of ups) (this.downs.get(up) ?? this.downs.set(up, []).get(up)!).push(id);
    }
    for (const e of spec.tasks) {
      if (e.value.kind.value !== "metric.gate") continue;
      const a = e.value.args as {
        then: Located<Located<string>[]>;
        else: Located<Located<string>[]>;
      };
      this.gates.push({
        gate: e.key,
        then: new Set(a.then.value.map((x) => x.value)),
        else: new Set(a.else.value.map((x) => x.value)),
      });
    }
  }

  upstream(id: string): string[] {
    return this.ups.get(id) ?? [];
  }

  downstream(id: string): string[] {
    return this.downs.get(id) ?? [];
  }

  /** Whether `a` runs before `b`: a search up from `b`, without recursion. */
  isAncestor(a: string, b: string): boolean {
    const seen = new Set<string>();
    const todo = [...this.upstream(b)];
    while (todo.length) {
      const x = todo.pop()!;
      if (x === a) return true;
      if (seen.has(x)) continue;
      seen.add(x);
      todo.push(...this.upstream(x));
    }
    return false;
  }

  /** The given tasks and every task after them, computed once per set of starting tasks. */
  private andBelow(key: string, start: Set<string>): Set<string> {
    const known = this.below.get(key);
    if (known) return known;
    const out = new Set<string>();
    const todo = [...start];
    while (todo.length) {
      const x = todo.pop()!;
      if (out.has(x)) continue;
      out.add(x);
      todo.push(...this.downstream(x));
    }
    this.below.set(key, out);
    return out;
  }

  /** Which side of a gate a task is on: it is, or comes after, tasks of one side only. */
  side(
    gate: { gate: string; then: Set<string>; else: Set<string> },
    id: string,
  ): "then" | "else" | "both" | "none" {
    const onThen = this.andBelow(`${gate.gate} then`, gate.then).has(id);
    const onElse = this.andBelow(`${gate.gate} else`, gate.else).has(id);
    return onThen && onElse ? "both" : onThen ? "then" : onElse ? "else" : "none";
  }
}

/**
 * The trigger rule of a task that joins the two sides of a gate. One side is always skipped,
 * so the default all_success would skip the join on every run; it gets
 * none_failed_min_one_success instead, and an explicit rule that would skip it is an error.
 */
function joinRule(
  graph: Graph,
  id: string,
  task: TaskSpec,
  report: Reporter,
): TriggerRule | undefined {
  const joined = graph.gates.find((g) => {
    const sides = new Set(graph.upstream(id).map((u) => graph.side(g, u)));
    return sides.has("then") && sides.has("else");
  });
  if (!joined) return task.triggerRule;
  if (task.triggerRule === undefined) return "none_failed_min_one_success";
  if (task.triggerRule === "all_success" || task.triggerRule === "none_skipped") {
    report.error(
      "BRANCH_JOIN",
      task.$ranges["triggerRule"],
      `task "${id}" comes after both sides of gate "${joined.gate}", one of which is always skipped; with ${task.triggerRule} it would never run (use none_failed_min_one_success or leave triggerRule out)`,
    );
  }
  return task.triggerRule;
}

function settingsOf(s: Partial<TaskSpec>): TaskIR["settings"] {
  const out: TaskIR["settings"] = {};
  if (s.owner !== undefined) out.owner = s.owner;
  if (s.retries !== undefined) out.retries = s.retries;
  if (s.retryDelay !== undefined) out.retryDelay = s.retryDelay;
  if (s.retryExponentialBackoff !== undefined)
    out.retryExponentialBackoff = s.retryExponentialBackoff;
  if (s.maxRetryDelay !== undefined) out.maxRetryDelay = s.maxRetryDelay;
  if (s.executionTimeout !== undefined) out.executionTimeout = s.executionTimeout;
  return out;
}

/**
 * Tasks in dependency order; among tasks that are ready together, spec order. Kahn's
 * algorithm with the ready tasks in a heap by spec position: O(n log n) for n tasks.
 */
function orderTasks(spec: Spec, graph: Graph): Spec["tasks"] {
  const waiting = new Map(spec.tasks.map((t) => [t.key, graph.upstream(t.key).length]));
  const ready = new MinHeap();
  spec.tasks.forEach((t, i) => waiting.get(t.key) === 0 && ready.push(i));
  const out: Spec["tasks"] = [];
  // Validation rejects cycles, so every task becomes ready.
  for (let i = ready.pop(); i !== undefined; i = ready.pop()) {
    const task = spec.tasks[i]!;
    out.push(task);
    for (const down of graph.downstream(task.key)) {
      const left = waiting.get(down)! - 1;
      waiting.set(down, left);
      if (left === 0) ready.push(graph.order.get(down)!);
    }
  }
  return out;
}

class MinHeap {
  private readonly a: number[] = [];

  push(x: number): void {
    const a = this.a;
    a.push(x);
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (a[p]! <= a[i]!) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }

  pop(): number | undefined {
    const a = this.a;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]! < a[m]!) m = l;
        if (r < a.length && a[r]! < a[m]!) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Resolves every `${...}` in a task's arguments, reporting each bad one: templates wherever
 * they are, and the strings of plain values (helper kwargs, conf, payload).
 */
function resolveAll(args: unknown, resolver: References): void {
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (isTemplate(x)) resolver.template(x);
    else if (isLocatedCollection(x)) resolver.plain(x.value as Plain, x.range);
    else if (x !== null && typeof x === "object")
      for (const [k, v] of Object.entries(x)) if (k !== "$ranges") walk(v);
  };
  walk(args);
}

function isTemplate(x: unknown): x is Template {
  return typeof x === "object" && x !== null && Array.isArray((x as Template).parts);
}

function isLocatedCollection(x: unknown): x is Located<unknown> {
  const v = (x as Located<unknown> | null)?.value;
  return (
    typeof x === "object" &&
    x !== null &&
    Array.isArray((x as Located<unknown>).range) &&
    typeof v === "object" &&
    v !== null
  );
}

/** Resolves `${...}` references into template parts. */
class References {
  constructor(
    private readonly report: Reporter,
    private readonly datasets: Map<string, DatasetInfo>,
    private readonly params: Set<string>,
    private readonly graph: Graph,
    /** The task whose arguments are being resolved. */
    private readonly task: string,
  ) {}

  requireUpstream(t: Located<string>): boolean {
    if (this.graph.isAncestor(t.value, this.task)) return true;
    if (this.graph.kinds.has(t.value)) {
      this.report.error(
        "NOT_UPSTREAM",
        t.range,
        `task ${quote(t.value)} does not run before "${this.task}"; add it to after:`,
        { message: `add ${t.value} to after: of ${this.task}` },
      );
    } else {
      const { hint, suggestion } = suggest(t.value, this.graph.kinds.keys(), t.range);
      this.report.error(
        "UNKNOWN_TASK",
        t.range,
        `unknown task ${quote(t.value)}${hint}`,
        suggestion,
      );
    }
    return false;
  }

  dataset(n: Located<string>): DatasetInfo | undefined {
    const ds = this.datasets.get(n.value);
    if (!ds) {
      const { hint, suggestion } = suggest(n.value, this.datasets.keys(), n.range);
      this.report.error(
        "UNKNOWN_DATASET",
        n.range,
        `unknown dataset ${quote(n.value)}${hint}`,
        suggestion,
      );
    }
    return ds;
  }

  /** The template's value; every bad reference in it is reported, not only the first. */
  template(t: Template): Value | undefined {
    const parts: TextPart[] = [];
    let ok = true;
    for (const part of t.parts) {
      if (part.kind === "text") {
        parts.push({ kind: "literal", text: part.text });
        continue;
      }
      const resolved = this.ref(part.path, part.range);
      if (resolved === undefined) ok = false;
      else parts.push(...resolved);
    }
    return ok ? { kind: "text", parts: mergeLiterals(parts) } : undefined;
  }

  plain(v: Plain, range: Range): Value | undefined {
    if (v === null) return { kind: "null" };
    if (typeof v === "number") return { kind: "number", value: v };
    if (typeof v === "boolean") return { kind: "boolean", value: v };
    if (typeof v === "string") return this.template(parseInline(v, range));
    if (Array.isArray(v)) {
      const items = v.map((x) => this.plain(x, range));
      return items.every((x) => x !== undefined)
        ? { kind: "list", items: items as Value[] }
        : undefined;
    }
    const entries = Object.entries(v).map(([k, x]) => [k, this.plain(x, range)] as const);
    return entries.every(([, x]) => x !== undefined)
      ? { kind: "map", entries: entries as [string, Value][] }
      : undefined;
  }

  private ref(path: string[], range: Range): TextPart[] | undefined {
    const shown = "${" + path.join(".") + "}";
    const [root, a, b, ...more] = path;
    const fail = (why: string, fix?: { hint: string; suggestion?: Suggestion }) => {
      this.report.error(
        "UNKNOWN_REFERENCE",
        range,
        `${quote(shown)}: ${why}${fix?.hint ?? ""}`,
        fix?.suggestion,
      );
      return undefined;
    };
    /** A suggestion that replaces the whole reference, with segment `i` corrected. */
    const fix = (i: number, candidates: Iterable<string>) =>
      suggest(path[i] ?? "", candidates, range, (c) => {
        const fixed = [...path];
        fixed[i] = c;
        return "${" + fixed.join(".") + "}";
      });
    if (root === "params") {
      if (a === undefined || b !== undefined) return fail("write ${params.<name>}");
      if (!this.params.has(a)) return fail(`no param ${quote(a)}`, fix(1, this.params));
      return [{ kind: "param", name: a }];
    }
    if (root === "tasks") {
      if (a === undefined || b === undefined || more.length)
        return fail("write ${tasks.<task id>.<output>}");
      const kind = this.graph.kinds.get(a);
      if (!kind) return fail(`unknown task ${quote(a)}`, fix(1, this.graph.kinds.keys()));
      const outputs = KINDS[kind].outputs ?? {};
      const path = outputs[b];
      if (!path) {
        const names = Object.keys(outputs);
        return names.length
          ? fail(`a ${kind} task has ${names.join(", ")}`, fix(2, names))
          : fail(`a ${kind} task has no outputs`);
      }
      if (!this.requireUpstream({ value: a, range })) return undefined;
      return [{ kind: "xcom", task: a, path }];
    }
    if (root === "run") {
      const name =
        a === undefined || b !== undefined
          ? undefined
          : CONTEXT_REFS[a as keyof typeof CONTEXT_REFS];
      if (name === undefined)
        return fail(
          `the run references are ${Object.keys(CONTEXT_REFS)
            .map((k) => "${run." + k + "}")
            .join(", ")}`,
        );
      return [{ kind: "context", name }];
    }
    if (root === "datasets") {
      if (a === undefined || b === undefined || more.length)
        return fail("write ${datasets.<name>.<uri|bucket|path|database|table>}");
      const ds = this.datasets.get(a);
      if (!ds) return fail(`unknown dataset ${quote(a)}`, fix(1, this.datasets.keys()));
      const bucket: TextPart = { kind: "variable", name: LAKE_BUCKET };
      switch (b) {
        case "uri":
          return [
            { kind: "literal", text: "s3://" },
            bucket,
            { kind: "literal", text: "/" + ds.path },
          ];
        case "bucket":
          return [bucket];
        case "path":
          return [{ kind: "literal", text: ds.path }];
        case "database":
        case "table":
          if (!ds.crawl) return fail(`dataset "${a}" is not crawled, so it has no catalog ${b}`);
          return b === "database"
            ? [{ kind: "variable", name: databaseVariable(ds.crawl.database) }]
            : [{ kind: "literal", text: crawledTableName(ds.path, ds.crawl.tablePrefix) }];
        default:
          return fail(
            "a dataset has uri, bucket, path, database and table",
            fix(2, ["uri", "bucket", "path", "database", "table"]),
          );
      }
    }
    return fail(
      "references start with datasets., params., tasks. or run.",
      fix(0, ["datasets", "params", "tasks", "run"]),
    );
  }
}

/** The table a Glue crawler creates for a prefix: its last folder, lowercased, with _ for other characters. */
export function crawledTableName(prefix: string, tablePrefix: string): string {
  const folder = prefix.replace(/\/$/, "").split("/").pop() ?? "";
  return (tablePrefix + folder).toLowerCase().replace(/[^a-z0-9_]/g, "_");
}

function mergeLiterals(parts: TextPart[]): TextPart[] {
  const out: TextPart[] = [];
  for (const p of parts) {
    const last = out[out.length - 1];
    if (p.kind === "literal" && last?.kind === "literal")
      out[out.length - 1] = { kind: "literal", text: last.text + p.text };
    else if (p.kind !== "literal" || p.text !== "") out.push(p);
  }
  return out.length ? out : [{ kind: "literal", text: "" }];
}

/** `${...}` references inside a plain value (helper kwargs), located at the whole value. */
function parseInline(s: string, range: Range): Template {
  const parts: Template["parts"] = [];
  const re = /\$\$|\$\{([^}]*)\}/g;
  let last = 0;
  let text = "";
  for (let m = re.exec(s); m; m = re.exec(s)) {
    text += s.slice(last, m.index);
    last = m.index + m[0].length;
    if (m[0] === "$$") {
      text += "$";
      continue;
    }
    if (text) parts.push({ kind: "text", text });
    text = "";
    parts.push({ kind: "ref", path: m[1]!.trim().split("."), range });
  }
  text += s.slice(last);
  if (text || !parts.length) parts.push({ kind: "text", text });
  return { parts, range };
}
