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
  /** Resolves `${...}` references; reports unknown ones. */
  template(t: Template): Value | undefined;
  /** A plain YAML value whose strings may hold references. */
  plain(value: Plain, range: Range): Value | undefined;
  dataset(name: Located<string>): DatasetInfo | undefined;
  addResource(resource: Resource): void;
  /** Whether a project file exists (paths relative to the project root). */
  fileExists(path: string): boolean;
  readFile(path: string): string | undefined;
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
  lower(args: A, cx: LowerContext): OperationOf<K> | undefined;
  emit(op: OperationOf<K>, target: AirflowTarget): OperatorCall;
}

export const AMAZON = "airflow.providers.amazon.aws.operators";

/** Operators that moved from Airflow core to the standard provider in Airflow 3. */
export function standardOperator(
  target: AirflowTarget,
  module: "empty" | "python",
  name: string,
): PyName {
  return target === "2.10"
    ? { module: `airflow.operators.${module}`, name }
    : { module: `airflow.providers.standard.operators.${module}`, name };
}
