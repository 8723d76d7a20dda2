// What the stack builds, read from the compiler's output and nothing else. Every manifest
// resource goes through one exhaustive switch, so a new resource kind in the compiler fails to
// build here until the stack says what it needs: that switch is the one place to extend.

import type { DatasetLocation, PipelineIR, Resource, Value } from "../compiler/ir";
import type { Manifest } from "../compiler/manifest";
import { LAKE_BUCKET } from "../compiler/variables";

type Of<K extends Resource["kind"]> = Extract<Resource, { kind: K }>;
export type Dataset = Of<"dataset">;
export type Database = Of<"glue.database">;
export type Crawler = Of<"glue.crawler">;
export type GlueJob = Of<"glue.job">;

export interface PipelinePlan {
  id: string;
  /** Where its datasets live in the lake: what its Glue role reads and writes. */
  datasets: DatasetLocation[];
  /** Logical names of the catalog databases its crawlers write and its jobs read. */
  databases: string[];
  crawlers: Crawler[];
  glueJobs: GlueJob[];
  /** Dataset locations its python helper tasks name: what Airflow itself reads and writes. */
  helperLocations: DatasetLocation[];
}

/** The resource whose name an Airflow Variable holds. */
export type VariableTarget =
  | { kind: "lake" }
  | { kind: "glue.database"; database: string }
  | { kind: "glue.crawler"; crawler: Crawler }
  | { kind: "glue.job"; job: GlueJob };

export interface StackPlan {
  datasets: Dataset[];
  databases: Database[];
  crawlers: Crawler[];
  glueJobs: GlueJob[];
  pipelines: PipelinePlan[];
  /** Every Airflow Variable a DAG reads, sorted, with the resource that gives its value. */
  variables: { name: string; target: VariableTarget }[];
  /** Whether the DAGs call SageMaker; no task kind does yet, so it stays false. */
  sagemaker: boolean;
  /** Things the stack cannot grant precisely; the program prints them. */
  warnings: string[];
}

export class UnboundVariableError extends Error {
  constructor(names: string[], known: string[]) {
    super(
      `the DAGs read Airflow Variables that no stack resource provides: ${names.join(", ")} ` +
        `(the stack provides ${known.join(", ")}); teach infra/plan.ts the resource kind behind them`,
    );
    this.name = "UnboundVariableError";
  }
}

/**
 * The kinds of resource the manifest lists. A new list in the Manifest widens this union, and
 * the switch in planStack stops compiling until the stack handles the new kind.
 */
type ManifestEntry = {
  [K in keyof Manifest]: Manifest[K] extends readonly (infer T)[] ? T : never;
}[keyof Manifest];
export type ManifestResource = Extract<ManifestEntry, Resource>;

/** The manifest's resources, whatever lists the manifest groups them in. */
export function manifestResources(manifest: Manifest): ManifestResource[] {
  return Object.values(manifest)
    .flat()
    .filter((x): x is ManifestResource => typeof x === "object" && x !== null && "kind" in x);
}

export function planStack(compiled: {
  manifest: Manifest;
  pipelines: readonly PipelineIR[];
}): StackPlan {
  const { manifest, pipelines } = compiled;
  const plan: StackPlan = {
    datasets: [],
    databases: [],
    crawlers: [],
    glueJobs: [],
    pipelines: [],
    variables: [],
    sagemaker: false,
    warnings: [],
  };
  const byId = new Map<string, PipelinePlan>();
  const pipeline = (id: string): PipelinePlan => {
    let p = byId.get(id);
    if (!p) {
      p = { id, datasets: [], databases: [], crawlers: [], glueJobs: [], helperLocations: [] };
      byId.set(id, p);
    }
    return p;
  };
  const bindings = new Map<string, VariableTarget>([[LAKE_BUCKET, { kind: "lake" }]]);

  for (const r of manifestResources(manifest)) {
    switch (r.kind) {
      case "dataset":
        plan.datasets.push(r);
        pipeline(r.pipeline).datasets.push(r.location);
        break;
      case "glue.database":
        plan.databases.push(r);
        bindings.set(r.variable, { kind: "glue.database", database: r.name });
        break;
      case "glue.crawler":
        plan.crawlers.push(r);
        pipeline(r.pipeline).crawlers.push(r);
        addOnce(pipeline(r.pipeline).databases, r.database);
        bindings.set(r.variable, { kind: "glue.crawler", crawler: r });
        break;
      case "glue.job":
        plan.glueJobs.push(r);
        pipeline(r.pipeline).glueJobs.push(r);
        bindings.set(r.variable, { kind: "glue.job", job: r });
        break;
      default:
        return unreachable(r);
    }
  }

  for (const p of pipelines) {
    const pp = pipeline(p.id);
    // A job reads the tables of crawled datasets even when another task crawls them.
    for (const r of p.resources) if (r.kind === "glue.database") addOnce(pp.databases, r.name);
    const own = plan.datasets.filter((d) => d.pipeline === p.id);
    for (const task of p.tasks) {
      if (task.op.kind !== "python") continue;
      for (const [, value] of task.op.kwargs) {
        for (const path of lakePaths(value)) {
          const hit = own.find((d) => locationCovers(d.location, path));
          if (hit) addLocationOnce(pp.helperLocations, hit.location);
          else {
            plan.warnings.push(
              `${p.id}.${task.id} names s3://<lake>/${path}, which is in no dataset of the pipeline; ` +
                `the stack grants Airflow no access to it (declare it as a dataset)`,
            );
          }
        }
      }
    }
  }
  plan.pipelines = [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  for (const p of plan.pipelines) p.databases.sort();

  const unbound = manifest.variables.filter((v) => !bindings.has(v));
  if (unbound.length) throw new UnboundVariableError(unbound, [...bindings.keys()].sort());
  plan.variables = [...manifest.variables]
    .sort()
    .map((name) => ({ name, target: bindings.get(name)! }));
  return plan;
}

/** The Airflow Variables DAG files read: every `{{ var.value.<name> }}` in their text. */
export function variablesReadBy(dags: ReadonlyMap<string, string>): string[] {
  const names = new Set<string>();
  for (const text of dags.values()) {
    for (const m of text.matchAll(/\bvar\.value\.([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1]!);
  }
  return [...names].sort();
}

/**
 * Fails unless the plan binds every variable the DAG files read. The manifest should list them
 * all; reading the DAGs themselves also catches a variable the manifest forgot, before a task
 * finds it missing at run time.
 */
export function checkDagVariables(plan: StackPlan, dags: ReadonlyMap<string, string>): void {
  const bound = new Set(plan.variables.map((v) => v.name));
  const unbound = variablesReadBy(dags).filter((v) => !bound.has(v));
  if (unbound.length) throw new UnboundVariableError(unbound, [...bound].sort());
}

/** The lake paths a value names: the literal text right after a `lake_bucket` reference. */
export function lakePaths(value: Value): string[] {
  switch (value.kind) {
    case "text": {
      const out: string[] = [];
      value.parts.forEach((part, i) => {
        const next = value.parts[i + 1];
        if (
          part.kind === "variable" &&
          part.name === LAKE_BUCKET &&
          next?.kind === "literal" &&
          next.text.startsWith("/")
        ) {
          out.push(next.text.slice(1));
        }
      });
      return out;
    }
    case "list":
      return value.items.flatMap(lakePaths);
    case "map":
      return value.entries.flatMap(([, v]) => lakePaths(v));
    case "number":
    case "boolean":
    case "null":
      return [];
    default:
      return unreachable(value);
  }
}

/** Whether a path (or the start of one, when a template follows) lies in a dataset. */
export function locationCovers(location: DatasetLocation, path: string): boolean {
  return "prefix" in location ? path.startsWith(location.prefix) : path === location.key;
}

function addOnce(list: string[], item: string): void {
  if (!list.includes(item)) list.push(item);
}

function addLocationOnce(list: DatasetLocation[], location: DatasetLocation): void {
  if (!list.some((l) => JSON.stringify(l) === JSON.stringify(location))) list.push(location);
}

function unreachable(x: never): never {
  throw new Error(`unhandled manifest entry ${JSON.stringify(x)}`);
}
