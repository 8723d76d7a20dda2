// What the stack builds, read from the compiler's output and nothing else. Every manifest
// resource goes through one exhaustive switch, so a new resource kind in the compiler fails to
// build here until the stack says what it needs: that switch is the one place to extend. In the
// same way every task kind goes through airflowLakeUses, sagemakerImages and airflowServices,
// which say what Airflow's own workers read in the lake, which images SageMaker pulls and which
// AWS APIs the workers call.

import type { DatasetLocation, Operation, PipelineIR, Resource, Value } from "../compiler/ir";
import type { Manifest } from "../compiler/manifest";
import { LAKE_BUCKET, NAME_PREFIX, SAGEMAKER_ROLE_ARN } from "../compiler/variables";

type Of<K extends Resource["kind"]> = Extract<Resource, { kind: K }>;
export type Dataset = Of<"dataset">;
export type Database = Of<"glue.database">;
export type Crawler = Of<"glue.crawler">;
export type GlueJob = Of<"glue.job">;
export type CodeFile = Of<"code">;
export type LambdaFunction = Of<"lambda.function">;
export type Topic = Of<"sns.topic">;
export type SageMakerNames = Of<"sagemaker.names">;
export type Endpoint = Of<"sagemaker.endpoint">;
export type ModelPackageGroup = Of<"sagemaker.modelPackageGroup">;

/**
 * What Airflow's workers do in the lake themselves, with the MWAA execution role. Glue,
 * SageMaker and Lambda read and write the lake with their own roles; Airflow only names the
 * locations to them, except where listed here.
 */
export interface AirflowLakeAccess {
  /** Python helper tasks read, write and list these. */
  readWrite: DatasetLocation[];
  /**
   * Objects read: a metric.gate's JSON document; the inputs of training and transform jobs,
   * which the provider's SageMaker hook checks with HeadObject before it starts the job.
   */
  read: DatasetLocation[];
  /** Listed: a sensor.s3 prefix; the training and transform inputs the hook looks for. */
  list: DatasetLocation[];
  /**
   * Folders listed one level deep (with delimiter /), outside the datasets: the hook looks for
   * an input that is a whole dataset prefix by listing the folder above it.
   */
  listFolders: string[];
  /** The hook's check that the lake bucket exists (HeadBucket), before a training or transform job. */
  headBucket: boolean;
}

/** A SageMaker image: a framework image the runtime resolves per region, or a full ECR URI. */
export type Image =
  | { kind: "framework"; framework: string; version: string }
  | { kind: "ecr"; account: string; region: string; repository: string };

export interface PipelinePlan {
  id: string;
  /** Where its datasets live in the lake: what its Glue, SageMaker and Lambda roles use. */
  datasets: DatasetLocation[];
  /** Logical names of the catalog databases its crawlers write and its jobs read. */
  databases: string[];
  crawlers: Crawler[];
  glueJobs: GlueJob[];
  functions: LambdaFunction[];
  topics: Topic[];
  /** Whether its tasks call SageMaker, whose role then reads and writes its datasets. */
  sagemaker: boolean;
  /** The images its training, processing and model tasks run. */
  images: Image[];
  airflowLake: AirflowLakeAccess;
}

/** The resource whose name (or ARN) an Airflow Variable holds. */
export type VariableTarget =
  | { kind: "lake" }
  | { kind: "glue.database"; database: string }
  | { kind: "glue.crawler"; crawler: Crawler }
  | { kind: "glue.job"; job: GlueJob }
  | { kind: "lambda.function"; fn: LambdaFunction }
  | { kind: "sns.topic"; topic: Topic }
  | { kind: "namePrefix" }
  | { kind: "sagemakerRole" };

export interface StackPlan {
  datasets: Dataset[];
  databases: Database[];
  crawlers: Crawler[];
  glueJobs: GlueJob[];
  /** Project files uploaded to the lake under CODE_PREFIX, one per path. */
  code: CodeFile[];
  functions: LambdaFunction[];
  topics: Topic[];
  sagemakerNames: SageMakerNames[];
  endpoints: Endpoint[];
  modelPackageGroups: ModelPackageGroup[];
  pipelines: PipelinePlan[];
  /** Every Airflow Variable a DAG reads, sorted, with the resource that gives its value. */
  variables: { name: string; target: VariableTarget }[];
  /** Whether any DAG calls SageMaker. */
  sagemaker: boolean;
  /** The AWS APIs Airflow calls when the DAGs' tasks and failure notifications run, sorted. */
  airflowServices: AirflowService[];
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

export function emptyLakeAccess(): AirflowLakeAccess {
  return { readWrite: [], read: [], list: [], listFolders: [], headBucket: false };
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
    code: [],
    functions: [],
    topics: [],
    sagemakerNames: [],
    endpoints: [],
    modelPackageGroups: [],
    pipelines: [],
    variables: [],
    sagemaker: false,
    airflowServices: [],
    warnings: [],
  };
  const byId = new Map<string, PipelinePlan>();
  const pipeline = (id: string): PipelinePlan => {
    let p = byId.get(id);
    if (!p) {
      p = {
        id,
        datasets: [],
        databases: [],
        crawlers: [],
        glueJobs: [],
        functions: [],
        topics: [],
        sagemaker: false,
        images: [],
        airflowLake: emptyLakeAccess(),
      };
      byId.set(id, p);
    }
    return p;
  };
  // The stack always provides these; the manifest lists them when a DAG reads them.
  const bindings = new Map<string, VariableTarget>([
    [LAKE_BUCKET, { kind: "lake" }],
    [NAME_PREFIX, { kind: "namePrefix" }],
    [SAGEMAKER_ROLE_ARN, { kind: "sagemakerRole" }],
  ]);

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
      case "code":
        if (!plan.code.some((c) => c.path === r.path)) plan.code.push(r);
        break;
      case "lambda.function":
        plan.functions.push(r);
        pipeline(r.pipeline).functions.push(r);
        bindings.set(r.variable, { kind: "lambda.function", fn: r });
        break;
      case "sns.topic":
        plan.topics.push(r);
        pipeline(r.pipeline).topics.push(r);
        bindings.set(r.variable, { kind: "sns.topic", topic: r });
        break;
      case "sagemaker.names":
        plan.sagemakerNames.push(r);
        pipeline(r.pipeline).sagemaker = true;
        break;
      case "sagemaker.endpoint":
        plan.endpoints.push(r);
        pipeline(r.pipeline).sagemaker = true;
        break;
      case "sagemaker.modelPackageGroup":
        plan.modelPackageGroups.push(r);
        pipeline(r.pipeline).sagemaker = true;
        break;
      default:
        return unreachable(r);
    }
  }
  plan.sagemaker = [...byId.values()].some((p) => p.sagemaker);

  const services = new Set<AirflowService>();
  for (const p of pipelines) {
    const pp = pipeline(p.id);
    // The DAG's on_failure_callback is an SnsNotifier.
    if (p.onFailure) services.add("sns");
    for (const task of p.tasks) for (const s of airflowServices(task.op)) services.add(s);
    // A job reads the tables of crawled datasets even when another task crawls them.
    for (const r of p.resources) if (r.kind === "glue.database") addOnce(pp.databases, r.name);
    const own = plan.datasets.filter((d) => d.pipeline === p.id);
    for (const task of p.tasks) {
      const where = `${p.id}.${task.id}`;
      for (const image of sagemakerImages(task.op)) {
        const found = imageOf(image);
        if (found) addOnceBy(pp.images, found);
        else {
          plan.warnings.push(
            `${where} runs an image the stack cannot name before the task runs; the SageMaker ` +
              "role may pull only framework images and ECR URIs written in full",
          );
        }
      }
      for (const { use, value } of airflowLakeUses(task.op)) {
        const refs = lakeRefs(value);
        if (refs.length === 0 && use !== "readwrite") {
          plan.warnings.push(
            `${where} names an S3 location the stack cannot tell from its spec (no dataset of ` +
              "the pipeline); the stack grants Airflow no access to it",
          );
        }
        for (const ref of refs) {
          const hit = own.find((d) => locationCovers(d.location, ref.path));
          if (!hit) {
            plan.warnings.push(
              `${where} names s3://<lake>/${ref.path}, which is in no dataset of the pipeline; ` +
                `the stack grants Airflow no access to it (declare it as a dataset)`,
            );
            continue;
          }
          grantLake(pp.airflowLake, use, hit.location, ref);
        }
      }
    }
  }
  plan.airflowServices = [...services].sort();
  plan.pipelines = [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  for (const p of plan.pipelines) p.databases.sort();

  const unbound = manifest.variables.filter((v) => !bindings.has(v));
  if (unbound.length) throw new UnboundVariableError(unbound, [...bindings.keys()].sort());
  plan.variables = [...manifest.variables]
    .sort()
    .map((name) => ({ name, target: bindings.get(name)! }));
  return plan;
}

/** How Airflow's own worker touches the lake location a value names. */
export type LakeUse =
  | "readwrite"
  | "read"
  | "list"
  /** SageMakerHook.check_s3_url: HeadBucket, HeadObject, then a listing of the folder above. */
  | "inputCheck";

/**
 * The values of a task whose lake locations Airflow's own worker reads or writes, and how. The
 * switch names every task kind, so a new one is a compile error here until someone says what
 * Airflow does with S3 when it runs.
 */
export function airflowLakeUses(op: Operation): { use: LakeUse; value: Value }[] {
  switch (op.kind) {
    case "python":
      return op.kwargs.map(([, value]) => ({ use: "readwrite" as const, value }));
    case "metric.gate":
      // S3Hook.read_key: HeadObject and GetObject.
      return "s3" in op.source ? [{ use: "read", value: op.source.s3 }] : [];
    case "sensor.s3":
      // ListObjectsV2 under the URI; the keys found go to XCom, no object is read.
      return [{ use: "list", value: op.uri }];
    case "sagemaker.training":
      // SageMakerHook.create_training_job checks every S3 channel before creating the job.
      return valuesAt(op.config, [
        "InputDataConfig",
        "*",
        "DataSource",
        "S3DataSource",
        "S3Uri",
      ]).map((value) => ({ use: "inputCheck" as const, value }));
    case "sagemaker.transform":
      return valuesAt(op.config, ["TransformInput", "DataSource", "S3DataSource", "S3Uri"]).map(
        (value) => ({ use: "inputCheck" as const, value }),
      );
    // These hand S3 locations to a service, which uses them with its own role.
    case "empty":
    case "glue.crawler":
    case "glue.job":
    case "sagemaker.processing":
    case "sagemaker.model":
    case "sagemaker.endpoint":
    case "sagemaker.register":
    case "lambda.invoke":
    case "approval":
    case "notify":
    case "trigger.dag":
      return [];
    default:
      return unreachable(op);
  }
}

/**
 * An AWS API Airflow's workers and triggerer call, named as its VPC endpoint service
 * (com.amazonaws.<region>.<service>): without NAT each needs an endpoint.
 */
export type AirflowService = "glue" | "lambda" | "s3" | "sagemaker.api" | "sns";

/**
 * The AWS APIs a task's operator calls from Airflow, read from the operators and hooks of the
 * Amazon provider (9.0.0 and 9.12.0) and compiler/runtime/dagspec_runtime.py. Jobs, crawlers,
 * functions and endpoints then run in their services' own networks. None of them calls STS:
 * the hooks assume no role (the connection names none), and GlueCrawlerHook asks STS for the
 * account only to update tags, which the crawler tasks do not pass. No task invokes a
 * SageMaker endpoint (sagemaker.runtime).
 */
export function airflowServices(op: Operation): AirflowService[] {
  switch (op.kind) {
    // GetCrawler, UpdateCrawler, StartCrawler; GetJob, StartJobRun, GetJobRun. Job logs (Glue's
    // verbose, SageMaker's print_log) come from CloudWatch Logs, an endpoint MWAA needs anyway.
    case "glue.crawler":
    case "glue.job":
      return ["glue"];
    // SageMakerHook checks the S3 inputs (HeadBucket, HeadObject, ListObjectsV2) first.
    case "sagemaker.training":
    case "sagemaker.transform":
      return ["s3", "sagemaker.api"];
    case "sagemaker.processing":
    case "sagemaker.model":
    case "sagemaker.endpoint":
    case "sagemaker.register":
      return ["sagemaker.api"];
    case "lambda.invoke":
      return ["lambda"];
    case "notify":
      return ["sns"];
    // S3Hook: a gate's document, a sensor's listing. Helpers may call what the execution role
    // lets them, which is their pipeline's datasets in the lake.
    case "python":
    case "metric.gate":
    case "sensor.s3":
      return ["s3"];
    // Airflow's metadata database; an approval's Variable goes through the secrets backend,
    // which the environment reaches anyway.
    case "empty":
    case "approval":
    case "trigger.dag":
      return [];
    default:
      return unreachable(op);
  }
}

/** The image values of the tasks SageMaker runs with the stack's SageMaker role. */
export function sagemakerImages(op: Operation): Value[] {
  switch (op.kind) {
    case "sagemaker.training":
      return valuesAt(op.config, ["AlgorithmSpecification", "TrainingImage"]);
    case "sagemaker.processing":
      return valuesAt(op.config, ["AppSpecification", "ImageUri"]);
    case "sagemaker.model":
      return valuesAt(op.config, ["PrimaryContainer", "Image"]);
    // A transform job and an endpoint run a model, whose image its model task names; a model
    // package is only registered.
    case "sagemaker.transform":
    case "sagemaker.endpoint":
    case "sagemaker.register":
    case "empty":
    case "glue.crawler":
    case "glue.job":
    case "python":
    case "lambda.invoke":
    case "sensor.s3":
    case "metric.gate":
    case "approval":
    case "notify":
    case "trigger.dag":
      return [];
    default:
      return unreachable(op);
  }
}

const ECR_URI =
  /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9._/-]+)(?:[:@]|$)/;

/** The image a value names, when the spec fixes it: a framework reference or a literal ECR URI. */
export function imageOf(value: Value): Image | undefined {
  if (value.kind !== "text") return undefined;
  const [first] = value.parts;
  if (value.parts.length === 1 && first?.kind === "image") {
    return { kind: "framework", framework: first.framework, version: first.version };
  }
  const m = first?.kind === "literal" ? ECR_URI.exec(first.text) : null;
  return m ? { kind: "ecr", account: m[1]!, region: m[2]!, repository: m[3]! } : undefined;
}

/** The values at a path of map keys in a value; `*` steps into every item of a list. */
export function valuesAt(value: Value, path: readonly string[]): Value[] {
  if (path.length === 0) return [value];
  const [step, ...rest] = path as [string, ...string[]];
  if (step === "*")
    return value.kind === "list" ? value.items.flatMap((v) => valuesAt(v, rest)) : [];
  if (value.kind !== "map") return [];
  return value.entries.filter(([k]) => k === step).flatMap(([, v]) => valuesAt(v, rest));
}

/** Adds what one use of a dataset location needs to a pipeline's Airflow lake access. */
function grantLake(
  access: AirflowLakeAccess,
  use: LakeUse,
  location: DatasetLocation,
  ref: LakeRef,
): void {
  switch (use) {
    case "readwrite":
      addLocationOnce(access.readWrite, location);
      break;
    case "read":
      addLocationOnce(access.read, location);
      break;
    case "list":
      addLocationOnce(access.list, location);
      break;
    case "inputCheck": {
      addLocationOnce(access.read, location);
      addLocationOnce(access.list, location);
      access.headBucket = true;
      // Only a complete path can be the dataset prefix itself; a templated rest stays inside.
      if (ref.complete && "prefix" in location) {
        const folder = hookListingFolder(ref.path);
        const covered =
          folder.startsWith(location.prefix) || folder === location.prefix.replace(/\/$/, "");
        if (!covered) addOnce(access.listFolders, folder);
      }
      break;
    }
    default:
      unreachable(use);
  }
}

/**
 * The folder S3Hook.check_for_prefix lists to find `path` as a prefix: the path with a trailing
 * `/`, less its last `\w+/` (Python's `re.split(r"(\w+[/])$", prefix, 1)[0]`).
 */
export function hookListingFolder(path: string): string {
  return (path.endsWith("/") ? path : `${path}/`).replace(/\w+\/$/, "");
}

/** Merges the lake access of several pipelines, each location once. */
export function mergeLakeAccess(all: readonly AirflowLakeAccess[]): AirflowLakeAccess {
  const out = emptyLakeAccess();
  for (const a of all) {
    for (const l of a.readWrite) addLocationOnce(out.readWrite, l);
    for (const l of a.read) addLocationOnce(out.read, l);
    for (const l of a.list) addLocationOnce(out.list, l);
    for (const f of a.listFolders) addOnce(out.listFolders, f);
    out.headBucket ||= a.headBucket;
  }
  const sorted = (ls: DatasetLocation[]) =>
    ls.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  sorted(out.readWrite);
  sorted(out.read);
  sorted(out.list);
  out.listFolders.sort();
  return out;
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

/** A lake path a value names: the literal text after `lake_bucket`, and whether more follows. */
export interface LakeRef {
  path: string;
  /** Whether the path is the whole rest of the value (no template part after it). */
  complete: boolean;
}

/** The lake paths a value names: the literal text right after a `lake_bucket` reference. */
export function lakeRefs(value: Value): LakeRef[] {
  switch (value.kind) {
    case "text": {
      const out: LakeRef[] = [];
      value.parts.forEach((part, i) => {
        const next = value.parts[i + 1];
        if (
          part.kind === "variable" &&
          part.name === LAKE_BUCKET &&
          next?.kind === "literal" &&
          next.text.startsWith("/")
        ) {
          out.push({ path: next.text.slice(1), complete: i + 2 === value.parts.length });
        }
      });
      return out;
    }
    case "list":
      return value.items.flatMap(lakeRefs);
    case "map":
      return value.entries.flatMap(([, v]) => lakeRefs(v));
    case "number":
    case "boolean":
    case "null":
      return [];
    default:
      return unreachable(value);
  }
}

export function lakePaths(value: Value): string[] {
  return lakeRefs(value).map((r) => r.path);
}

/** Whether a path (or the start of one, when a template follows) lies in a dataset. */
export function locationCovers(location: DatasetLocation, path: string): boolean {
  return "prefix" in location ? path.startsWith(location.prefix) : path === location.key;
}

function addOnce(list: string[], item: string): void {
  if (!list.includes(item)) list.push(item);
}

function addOnceBy<T>(list: T[], item: T): void {
  if (!list.some((x) => JSON.stringify(x) === JSON.stringify(item))) list.push(item);
}

function addLocationOnce(list: DatasetLocation[], location: DatasetLocation): void {
  addOnceBy(list, location);
}

function unreachable(x: never): never {
  throw new Error(`unhandled entry ${JSON.stringify(x)}`);
}
