// What every task kind provides: its argument schema (read by the validator and the JSON
// Schema), its lowering to an IR operation, and its Airflow operator per target.

import type { Reporter } from "../diagnostics";
import type { AirflowTarget, Operation, Resource, Value } from "../ir";
import type { PyExpr, PyName } from "../emit/python";
import type { Located, Plain, Range, Type } from "../schema";
import type { Template } from "../values";

export interface DatasetInfo {
  name: string;
  /** Key or prefix inside the lake bucket. */
  path: string;
  isPrefix: boolean;
  crawl?: { database: string; tablePrefix: string };
}

export interface LowerContext {
  readonly pipeline: string;
  readonly task: string;
  readonly report: Reporter;
  /** Declared Lambda functions and SNS topics of the spec, by name. */
  readonly functions: ReadonlyMap<string, { variable: string }>;
  readonly topics: ReadonlyMap<string, { variable: string }>;
  /** Resolves `${...}` references; reports unknown ones. */
  template(t: Template): Value | undefined;
  /** A plain YAML value whose strings may hold references. */
  plain(value: Plain, range: Range): Value | undefined;
  dataset(name: Located<string>): DatasetInfo | undefined;
  /** Whether the named task runs before this one (reports when it does not). */
  requireUpstream(task: Located<string>): boolean;
  /** Records that another pipeline must exist; checked once every spec is read. */
  requirePipeline(id: Located<string>): void;
  addResource(resource: Resource): void;
  /** Whether a project file exists (paths relative to the project root). */
  fileExists(path: string): boolean;
  /**
   * Whether a path from the spec names a file inside the project (symbolic links followed);
   * reports OUTSIDE_PROJECT or MISSING_FILE ("no such <what>") at the path when not.
   */
  projectFile(file: Located<string>, what: string): boolean;
  readFile(path: string): string | undefined;
  /** The project files under a folder that ship with it (no caches or hidden files), sorted. */
  filesUnder(dir: string): string[];
}

export type OperationOf<K extends Operation["kind"]> = Extract<Operation, { kind: K }>;

export interface OperatorCall {
  operator: PyName;
  arguments: [string, PyExpr][];
}

export interface TaskKind<K extends Operation["kind"], A> {
  kind: K;
  summary: string;
  /** A YAML example for the docs; it is compiled by the tests. */
  example: string;
  args: Type<A>;
  /** What downstream tasks may reference as ${tasks.<id>.<output>}: a path into the task's XCom value. */
  outputs?: Record<string, string[]>;
  /** Tasks this task chooses between; they run after it without naming it in `after`. */
  branches?(args: A): Located<string>[];
  lower(args: A, cx: LowerContext): OperationOf<K> | undefined;
  emit(op: OperationOf<K>, target: AirflowTarget): OperatorCall;
}

export const AMAZON = "airflow.providers.amazon.aws.operators";

/** Operators and sensors that moved from Airflow core to the standard provider in Airflow 3. */
export function standardOperator(
  target: AirflowTarget,
  module: "empty" | "python" | "trigger_dagrun",
  name: string,
): PyName {
  return target === "2.10"
    ? { module: `airflow.operators.${module}`, name }
    : { module: `airflow.providers.standard.operators.${module}`, name };
}

export function standardSensor(target: AirflowTarget, module: "python", name: string): PyName {
  return target === "2.10"
    ? { module: `airflow.sensors.${module}`, name }
    : { module: `airflow.providers.standard.sensors.${module}`, name };
}

export const RUNTIME = "dagspec_runtime";

/** A function of the runtime module shipped beside the DAGs. */
export function runtimeFunction(name: string): PyName {
  return { module: RUNTIME, name };
}
