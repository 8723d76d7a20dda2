// The spec language: what a file in dags-src/ may contain. One definition serves the reader
// (with diagnostics), the TypeScript types of the compiler, and the JSON Schema for editors.

import { isMap, isScalar, type Node, type Pair } from "yaml";
import { bestGuess, quote } from "./diagnostics";
import { TRIGGER_RULES, type Operation } from "./ir";
import { KIND_NAMES, KINDS, isKind } from "./kinds";
import {
  ObjectType,
  Type,
  optional,
  pairsOf,
  rangeOf,
  required,
  resolve,
  t,
  wrongType,
  type Infer,
  type JsonSchema,
  type Located,
  type ReadContext,
} from "./schema";
import { date, duration, name, pipelineId, schedule, snsSubject } from "./values";
import { AIRFLOW_OWNERS_MAX, AIRFLOW_TAG_MAX, LAMBDA_TIMEOUT_MAX, SNS_SUBJECT_MAX } from "./limits";

export const settingsShape = {
  owner: optional(
    t.string({
      minLength: 1,
      maxLength: AIRFLOW_OWNERS_MAX,
      patternHint: `an owner has 1 to ${AIRFLOW_OWNERS_MAX} characters`,
    }),
    "Owner shown in the Airflow UI.",
  ),
  retries: optional(t.integer({ min: 0, max: 20 }), "Retries after a failure (default 2)."),
  retryDelay: optional(duration(), "Delay before the first retry (default 1m)."),
  retryExponentialBackoff: optional(t.boolean(), "Double the delay on each retry (default true)."),
  maxRetryDelay: optional(duration(), "Upper bound on the retry delay (default 15m)."),
  executionTimeout: optional(duration(), "Fail a task attempt that runs longer than this."),
};

export const SETTINGS_DEFAULTS = {
  owner: "dagspec",
  retries: 2,
  retryDelay: 60,
  retryExponentialBackoff: true,
  maxRetryDelay: 900,
};

const commonShape = {
  after: optional(t.list(t.located(name("task id"))), "Tasks that must finish before this one."),
  triggerRule: optional(
    t.oneOf(TRIGGER_RULES),
    "When the task runs given its upstream states (default all_success).",
  ),
  doc: optional(t.string(), "Markdown shown for the task in the Airflow UI."),
  ...settingsShape,
};
const commonType = t.object(commonShape);

export type TaskSpec = Infer<typeof commonType> & {
  kind: Located<Operation["kind"]>;
  /** The kind's arguments, as read by its schema. */
  args: unknown;
};

/** A task: exactly one kind key (`glue.job: {...}`) beside the common keys. */
class TaskType extends Type<TaskSpec> {
  read(node: Node, ctx: ReadContext): TaskSpec | undefined {
    if (!isMap(node))
      return wrongType(node, ctx, `a mapping with one task kind (${KIND_NAMES.join(", ")})`);
    const pairs = pairsOf(node, ctx);
    const kindPairs = pairs.filter((p) => {
      const k = resolve(p.key, ctx);
      return isScalar(k) && typeof k.value === "string" && isKind(k.value);
    });
    if (kindPairs.length !== 1) {
      this.kindProblem(node, pairs, kindPairs, ctx);
      return undefined;
    }
    const kindPair = kindPairs[0]!;
    const kindKey = resolve(kindPair.key, ctx) as Node;
    const kindName = String((kindKey as { value: unknown }).value) as Operation["kind"];
    const rest = ctx.doc.createNode({}) as typeof node;
    rest.items = pairs.filter((p) => p !== kindPair);
    rest.range = node.range;
    const common = commonType.read(rest, ctx);
    const argsNode = resolve(kindPair.value, ctx) ?? ctx.doc.createNode(null);
    const argsType = KINDS[kindName].args;
    let args: unknown;
    if (isScalar(argsNode) && argsNode.value === null && !argsType.acceptsNull) {
      ctx.report.error("MISSING_KEY", rangeOf(kindKey), `${kindName} needs arguments`);
    } else {
      args = argsType.read(argsNode, ctx);
    }
    if (common === undefined || args === undefined) return undefined;
    return { ...common, kind: { value: kindName, range: rangeOf(kindKey) }, args };
  }

  /** No kind key, or two. The hint comes from whichever unknown key is closest to a kind. */
  private kindProblem(node: Node, pairs: Pair[], kindPairs: Pair[], ctx: ReadContext): void {
    if (kindPairs.length > 1) {
      ctx.report.error(
        "TASK_KIND",
        rangeOf(kindPairs[1]!.key as Node),
        "a task has exactly one kind key; split it into two tasks",
      );
      return;
    }
    const unknown = pairs
      .map((p) => resolve(p.key, ctx))
      .filter((k) => isScalar(k) && typeof k.value === "string" && !(k.value in commonShape))
      .map((k) => ({ text: String((k as { value: unknown }).value), node: k as Node }));
    const guess = bestGuess(unknown, KIND_NAMES);
    const hint = guess
      ? `; found ${quote(guess.word.text)}; did you mean "${guess.candidate}"?`
      : unknown.length
        ? `; found ${quote(unknown[0]!.text)}`
        : "";
    ctx.report.error(
      "TASK_KIND",
      guess ? rangeOf(guess.word.node) : rangeOf(node),
      `a task needs one kind key, such as glue.job or sagemaker.training (see docs/task-kinds.md)${hint}`,
      guess && {
        message: `did you mean "${guess.candidate}"?`,
        replace: { range: rangeOf(guess.word.node), text: guess.candidate },
      },
    );
  }

  jsonSchema(): JsonSchema {
    const common = commonType.jsonSchema() as { properties: Record<string, JsonSchema> };
    return {
      oneOf: KIND_NAMES.map((k) => ({
        type: "object",
        description: KINDS[k].summary,
        properties: {
          ...common.properties,
          [k]: { description: KINDS[k].summary, ...KINDS[k].args.jsonSchema() },
        },
        required: [k],
        additionalProperties: false,
      })),
    };
  }
}

const paramType = t.object({
  type: required(t.oneOf(["string", "number", "integer", "boolean"] as const), "The value's type."),
  default: required(t.located(t.plain()), "The value used when a run does not set one."),
  description: optional(t.string(), "Shown in the trigger form."),
  enum: optional(t.list(t.plain(), { minItems: 1 }), "The allowed values."),
  minimum: optional(t.number(), "Smallest allowed number."),
  maximum: optional(t.number(), "Largest allowed number."),
});

const datasetType = t.object({
  prefix: optional(
    t.located(
      t.string({
        pattern: /^(?!\/)(?!.*\/\/).+\/$/,
        patternHint: "a prefix is a key path ending in / (no leading /)",
      }),
    ),
    "A folder in the data lake, ending in /.",
  ),
  key: optional(
    t.located(
      t.string({
        pattern: /^(?!\/)(?!.*\/\/).*[^/]$/,
        patternHint: "a key is a path in the lake (no leading or trailing /)",
      }),
    ),
    "One object in the data lake.",
  ),
  description: optional(t.string(), "What the data is."),
  crawl: optional(
    t.object({
      database: required(name("database name"), "Glue catalog database the crawler writes to."),
      tablePrefix: optional(
        t.string({
          pattern: /^[a-z0-9_]*$/,
          maxLength: 128,
          patternHint: "at most 128 lowercase letters, digits and _",
        }),
        "Prefix for the table name.",
      ),
    }),
    "Crawl this prefix into the Glue catalog (needs prefix:).",
  ),
});

const functionType = t.object({
  source: required(
    t.located(
      t.string({ pattern: /^[A-Za-z0-9_./-]+\.py$/, patternHint: "a .py file in the project" }),
    ),
    "The handler's file, e.g. lambdas/analyze_results.py.",
  ),
  handler: optional(
    t.string({ pattern: /^[A-Za-z_][A-Za-z0-9_]*$/, patternHint: "a Python function name" }),
    "The function in that file (default handler).",
  ),
  runtime: optional(
    t.oneOf(["python3.11", "python3.12", "python3.13"] as const),
    "Lambda runtime (default python3.11).",
  ),
  timeout: optional(
    duration({ max: LAMBDA_TIMEOUT_MAX }),
    "Lambda timeout (default 30s, at most 15m).",
  ),
  memory: optional(t.integer({ min: 128, max: 10240 }), "Memory in MB (default 256)."),
});

const topicType = t.object({
  description: optional(t.string(), "Who listens, and why."),
});

const failureType = t.object({
  topic: required(
    t.located(name("topic name")),
    "A topic under topics: that hears about failed runs.",
  ),
  subject: optional(
    snsSubject(),
    `Subject (default: the pipeline id and "failed"); one line of less than ${SNS_SUBJECT_MAX + 1} characters.`,
  ),
});

export const specType = t.object(
  {
    pipeline: required(t.located(pipelineId()), "The pipeline id; also the Airflow DAG id."),
    description: optional(t.string(), "One line on what the pipeline does."),
    schedule: optional(
      schedule(),
      "none (default), a preset such as @daily, or a cron expression.",
    ),
    startDate: optional(
      date(),
      "First logical date, YYYY-MM-DD (default 2024-01-01; required with catchup).",
    ),
    catchup: optional(t.boolean(), "Run the intervals missed since startDate (default false)."),
    maxActiveRuns: optional(t.integer({ min: 1, max: 64 }), "Runs allowed at once (default 1)."),
    tags: optional(
      t.list(
        t.string({
          minLength: 1,
          maxLength: AIRFLOW_TAG_MAX,
          patternHint: `a tag has 1 to ${AIRFLOW_TAG_MAX} characters (Airflow's limit)`,
        }),
      ),
      "Tags shown in the Airflow UI.",
    ),
    timeout: optional(duration(), "Fail a run that takes longer than this."),
    defaults: optional(t.object(settingsShape), "Settings every task inherits."),
    params: optional(
      t.record(paramType, name("param name")),
      "Run parameters with types and defaults.",
    ),
    datasets: optional(t.record(datasetType, name("dataset name")), "Locations in the data lake."),
    functions: optional(
      t.record(functionType, name("function name")),
      "Lambda functions the stack creates for lambda.invoke tasks.",
    ),
    topics: optional(
      t.record(topicType, name("topic name")),
      "SNS topics the stack creates for notify tasks and onFailure.",
    ),
    onFailure: optional(failureType, "Publish to a topic when a run fails."),
    tasks: required(t.record(new TaskType(), name("task id")), "The tasks, by id."),
  },
  { description: "A dagspec pipeline: compiled into one Airflow DAG." },
);

export type Spec = Infer<typeof specType>;
export type FunctionSpec = Infer<typeof functionType>;

/**
 * Each task's upstream tasks: those in its `after`, and the gate whose branch it is. The
 * locations point at where the dependency is written.
 */
export function upstreamOf(spec: Spec): Map<string, Located<string>[]> {
  const out = new Map(spec.tasks.map((e) => [e.key, [...(e.value.after ?? [])]]));
  for (const e of spec.tasks) {
    const kind = KINDS[e.value.kind.value];
    for (const branch of kind.branches?.(e.value.args as never) ?? []) {
      out.get(branch.value)?.push({ value: e.key, range: branch.range });
    }
  }
  return out;
}
export type ParamSpec = Infer<typeof paramType>;
export type DatasetSpec = Infer<typeof datasetType>;

export const specSchema = (): ObjectType<typeof specType.shape> => specType;
