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
  /** Where failed runs are reported. */
  onFailure?: { topicVariable: string; subject: string };
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
  | { kind: "python"; module: string; function: string; kwargs: [string, Value][] }
  | { kind: "sagemaker.training"; config: Value }
  | { kind: "sagemaker.processing"; config: Value }
  | { kind: "sagemaker.model"; config: Value }
  | { kind: "sagemaker.transform"; config: Value }
  | { kind: "sagemaker.endpoint"; config: Value }
  | {
      kind: "sagemaker.register";
      group: Value;
      image: Value;
      model: Value;
      description: Value;
      approval: "PendingManualApproval" | "Approved" | "Rejected";
    }
  | { kind: "lambda.invoke"; functionVariable: string; payload?: Value }
  | {
      kind: "sensor.s3";
      uri: Value;
      newerThanLastSuccess: boolean;
      mode: "poke" | "reschedule";
      pokeInterval: number;
      timeout: number;
      softFail: boolean;
    }
  | {
      kind: "metric.gate";
      source: { s3: Value } | { task: string };
      path: string[];
      comparison: "below" | "above" | "atMost" | "atLeast";
      threshold: Value;
      then: string[];
      else: string[];
    }
  | { kind: "approval"; timeout: number; softFail: boolean; instructions: string }
  | { kind: "notify"; topicVariable: string; subject: Value; message: Value }
  | { kind: "trigger.dag"; pipeline: string; conf: [string, Value][]; wait: boolean };

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
  | { kind: "context"; name: "run_id" | "ds" | "ts_nodash" }
  /** A value an upstream task pushed to XCom, walked down by `path`. */
  | { kind: "xcom"; task: string; path: string[] }
  /** A SageMaker image URI resolved for the AWS region when the task runs. */
  | { kind: "image"; framework: string; version: string };

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
    }
  /** A project file SageMaker jobs read, uploaded to the lake under CODE_PREFIX. */
  | { kind: "code"; path: string }
  | {
      kind: "lambda.function";
      pipeline: string;
      name: string;
      variable: string;
      /** Path of the handler's file from the project root. */
      source: string;
      handler: string;
      runtime: string;
      timeoutSeconds: number;
      memoryMb: number;
    }
  | { kind: "sns.topic"; pipeline: string; name: string; variable: string }
  /** Names SageMaker jobs, models and endpoint configs of a task start with (after the stack's prefix). */
  | { kind: "sagemaker.names"; pipeline: string; task: string; prefix: string }
  | { kind: "sagemaker.endpoint"; pipeline: string; name: string }
  | { kind: "sagemaker.modelPackageGroup"; pipeline: string; name: string };
