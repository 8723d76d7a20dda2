import type { Value } from "../ir";
import { py, templated } from "../emit/python";
import { optional, required, t, type Infer } from "../schema";
import { duration, template } from "../values";
import { glueJobVariable } from "../variables";
import { jinjaTextPart } from "./shared";
import { AMAZON, type TaskKind } from "./kind";
import { GLUE_TIMEOUT_MAX } from "../limits";

export const GLUE_VERSIONS = ["4.0", "5.0"] as const;
export const WORKER_TYPES = ["G.025X", "G.1X", "G.2X", "G.4X", "G.8X"] as const;
export const GLUE_DEFAULTS = {
  glueVersion: "5.0",
  workerType: "G.1X",
  workers: 2,
  timeout: 60 * 60,
};

const argumentName = t.string({
  pattern: /^--[A-Za-z0-9][A-Za-z0-9_-]*$/,
  patternHint: "Glue job arguments are named --name (letters, digits, - and _)",
});

const args = t.object({
  script: required(
    t.located(t.string()),
    "Path of the job script from the project root, e.g. glue-jobs/preprocess.py.",
  ),
  arguments: optional(
    t.record(template(), argumentName),
    "Job arguments (--name: value). Values may reference ${datasets.<name>.uri}, ${params.<name>}, ${run.id}.",
  ),
  glueVersion: optional(
    t.oneOf(GLUE_VERSIONS),
    `Glue version (default ${GLUE_DEFAULTS.glueVersion}).`,
  ),
  workerType: optional(t.oneOf(WORKER_TYPES), `Worker type (default ${GLUE_DEFAULTS.workerType}).`),
  workers: optional(
    t.integer({ min: 2, max: 299 }),
    `Number of workers (default ${GLUE_DEFAULTS.workers}).`,
  ),
  timeout: optional(
    duration({ max: GLUE_TIMEOUT_MAX }),
    "Job run timeout (default 1h, at most 7d).",
  ),
  maxRetries: optional(
    t.integer({ min: 0, max: 10 }),
    "Retries Glue makes itself (default 0: Airflow retries the task).",
  ),
  bookmarks: optional(
    t.boolean(),
    "Enable job bookmarks so reruns skip data already processed (default false).",
  ),
});

/**
 * Starts a Glue job the stack creates from the script, with per-run arguments, and waits for
 * it. The job definition (script, workers, version, role) is a manifest resource.
 */
export const glueJob: TaskKind<"glue.job", Infer<typeof args>> = {
  kind: "glue.job",
  summary:
    "Runs a Glue ETL job (a PySpark script in glue-jobs/) with per-run arguments and waits for it.",
  example:
    "preprocess:\n  glue.job:\n    script: glue-jobs/abalone_preprocess.py\n    arguments:\n      --raw-path: ${datasets.raw.uri}\n    workers: 2\n",
  args,
  lower(a, cx) {
    if (!cx.projectFile(a.script, "script")) return undefined;
    const jobArguments: [string, Value][] = [];
    for (const entry of a.arguments ?? []) {
      const v = cx.template(entry.value);
      if (v === undefined) return undefined;
      jobArguments.push([entry.key, v]);
    }
    const variable = glueJobVariable(cx.pipeline, cx.task);
    cx.addResource({
      kind: "glue.job",
      pipeline: cx.pipeline,
      task: cx.task,
      variable,
      script: a.script.value,
      glueVersion: a.glueVersion ?? GLUE_DEFAULTS.glueVersion,
      workerType: a.workerType ?? GLUE_DEFAULTS.workerType,
      workers: a.workers ?? GLUE_DEFAULTS.workers,
      timeoutMinutes: Math.ceil((a.timeout ?? GLUE_DEFAULTS.timeout) / 60),
      maxRetries: a.maxRetries ?? 0,
      bookmarks: a.bookmarks ?? false,
    });
    return { kind: "glue.job", jobVariable: variable, arguments: jobArguments };
  },
  emit: (op) => ({
    operator: { module: `${AMAZON}.glue`, name: "GlueJobOperator" },
    arguments: [
      ["job_name", jinjaTextPart({ kind: "variable", name: op.jobVariable })],
      ["script_args", py.dict(op.arguments.map(([k, v]) => [k, templated(v)]))],
      ["wait_for_completion", py.bool(true)],
      ["verbose", py.bool(false)],
    ],
  }),
};
