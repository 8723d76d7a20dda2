// The intermediate representation: a typed task graph per pipeline plus the resources it
// needs. The emitter writes Python from it; the stack and the local runner read the manifest
// built from it, so no resource is declared twice.

import type { Schedule } from "./values";

export const AIRFLOW_TARGETS = ["2.10", "3.0"] as const;
export type AirflowTarget = (typeof AIRFLOW_TARGETS)[number];

export interface PipelineIR {
  id: string;
  source: { path: string; sha256: string; text: string };
  description?: string;
  schedule: Schedule;
  startDate: [number, number, number];
  catchup: boolean;
  maxActiveRuns: number;
  tags: string[];
  /** dagrun_timeout, in seconds. */
  timeout?: number;
  defaults: TaskSettings;
  params: ParamIR[];
  /** In dependency order: every task comes after its upstream tasks. */
  tasks: TaskIR[];
  resources: Resource[];
}

export interface TaskSettings {
  owner?: string;
  retries?: number;
  /** Seconds. */
  retryDelay?: number;
  retryExponentialBackoff?: boolean;
  /** Seconds. */
  maxRetryDelay?: number;
  /** Seconds. */
  executionTimeout?: number;
}

export const TRIGGER_RULES = [
  "all_success",
  "all_failed",
  "all_done",
  "all_skipped",
  "one_success",
  "one_failed",
  "one_done",
  "none_failed",
  "none_failed_min_one_success",
  "none_skipped",
  "always",
] as const;
export type TriggerRule = (typeof TRIGGER_RULES)[number];

export interface ParamIR {
  name: string;
  type: "string" | "number" | "integer" | "boolean";
  default: string | number | boolean;
  description?: string;
  enum?: (string | number)[];
  minimum?: number;
  maximum?: number;
}

export interface TaskIR {
  id: string;
  /** Sorted task ids. */
  upstream: string[];
  triggerRule?: TriggerRule;
  settings: TaskSettings;
  doc?: string;
  op: Operation;
}

/** What a task does; one member per task kind, walked with exhaustive switches. */
export type Operation =
  | { kind: "empty" }
  | { kind: "glue.crawler"; crawlerVariable: string }
  | { kind: "glue.job"; jobVariable: string; arguments: [string, Value][] }
  | { kind: "python"; module: string; function: string; kwargs: [string, Value][] };

/**
 * A value passed to an operator. Text is a list of parts: literal text, which the emitter
 * escapes, and references resolved by Airflow when the task runs.
 */
export type Value =
  | { kind: "text"; parts: TextPart[] }
  | { kind: "number"; value: number }
  | { kind: "boolean"; value: boolean }
  | { kind: "null" }
  | { kind: "list"; items: Value[] }
  | { kind: "map"; entries: [string, Value][] };

export type TextPart =
  | { kind: "literal"; text: string }
  | { kind: "variable"; name: string }
  | { kind: "param"; name: string }
  | { kind: "context"; name: "run_id" | "ds" | "ts_nodash" };

export const text = (s: string): Value => ({ kind: "text", parts: [{ kind: "literal", text: s }] });

// ---------------------------------------------------------------- resources

export type DatasetLocation = { prefix: string } | { key: string };

export type Resource =
  | { kind: "dataset"; pipeline: string; name: string; location: DatasetLocation }
  | { kind: "glue.database"; name: string; variable: string }
  | {
      kind: "glue.crawler";
      pipeline: string;
      dataset: string;
      variable: string;
      database: string;
      prefix: string;
      tablePrefix: string;
    }
  | {
      kind: "glue.job";
      pipeline: string;
      task: string;
      variable: string;
      /** Path of the script from the project root, e.g. glue-jobs/abalone_preprocess.py. */
      script: string;
      glueVersion: string;
      workerType: string;
      workers: number;
      timeoutMinutes: number;
      maxRetries: number;
      bookmarks: boolean;
    };
