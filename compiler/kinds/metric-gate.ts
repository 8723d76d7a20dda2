import { isScalar, type Node } from "yaml";
import { py, templated } from "../emit/python";
import type { Value } from "../ir";
import {
  Type,
  optional,
  required,
  t,
  wrongType,
  type Infer,
  type JsonSchema,
  type Located,
  type ReadContext,
} from "../schema";
import { name, template, type Template } from "../values";
import { runtimeFunction, standardOperator, type TaskKind } from "./kind";

const COMPARISONS = ["below", "above", "atMost", "atLeast"] as const;

/** A threshold: a number, or a string such as "${params.threshold}". */
class ThresholdType extends Type<number | Template> {
  read(node: Node, ctx: ReadContext): number | Template | undefined {
    if (isScalar(node) && typeof node.value === "number" && Number.isFinite(node.value))
      return node.value;
    if (isScalar(node) && typeof node.value === "string") return template().read(node, ctx);
    return wrongType(node, ctx, 'a number or a reference such as "${params.threshold}"');
  }

  jsonSchema(): JsonSchema {
    return { type: ["number", "string"] };
  }
}

const taskList = t.located(
  new (class extends Type<Located<string>[]> {
    read(node: Node, ctx: ReadContext): Located<string>[] | undefined {
      if (isScalar(node)) {
        const one = t.located(name("task id")).read(node, ctx);
        return one && [one];
      }
      return t.list(t.located(name("task id")), { minItems: 1 }).read(node, ctx);
    }

    jsonSchema(): JsonSchema {
      return {
        oneOf: [{ type: "string" }, { type: "array", items: { type: "string" }, minItems: 1 }],
      };
    }
  })(),
);

const metricSource = t.object({
  s3: optional(template(), "S3 URI of a JSON document holding the metric."),
  task: optional(
    t.located(name("task id")),
    "An upstream task whose XCom value (JSON or a mapping) holds the metric.",
  ),
});

const args = t.object({
  metric: required(
    metricSource,
    "Where the metric is: { s3: <uri> } or { task: <upstream task id> }.",
  ),
  path: required(
    t.string({
      pattern: /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/,
      patternHint: "a dotted path such as regression_metrics.rmse.value",
    }),
    "Dotted path to the number inside the document.",
  ),
  below: optional(new ThresholdType(), "Take `then` when the metric is below this."),
  above: optional(new ThresholdType(), "Take `then` when the metric is above this."),
  atMost: optional(new ThresholdType(), "Take `then` when the metric is at most this."),
  atLeast: optional(new ThresholdType(), "Take `then` when the metric is at least this."),
  then: required(taskList, "Task(s) to run when the comparison holds; they run after the gate."),
  else: required(taskList, "Task(s) to run otherwise; they run after the gate."),
});

type Args = Infer<typeof args>;

/**
 * Compares a metric with a threshold and runs `then` or `else`; the other side is skipped.
 * Tasks that come after both sides get a trigger rule that runs after either (see lower.ts).
 */
export const metricGate: TaskKind<"metric.gate", Args> = {
  kind: "metric.gate",
  summary:
    "Reads a metric from JSON in S3 or an upstream task's XCom, compares it with a threshold, and runs then or else.",
  example: [
    "gate:",
    "  metric.gate:",
    '    metric: { s3: "${datasets.evaluation.uri}evaluation.json" }',
    "    path: regression_metrics.rmse.value",
    "    below: ${params.max_rmse}",
    "    then: deploy",
    "    else: reject",
    "deploy:",
    "  empty:",
    "reject:",
    "  empty:",
    "",
  ].join("\n"),
  args,
  branches: (a) => [...a.then.value, ...a.else.value],
  lower(a, cx) {
    const given = COMPARISONS.filter((c) => a[c] !== undefined);
    if (given.length !== 1) {
      cx.report.error(
        "MISSING_KEY",
        a.$ranges["$self"],
        `a gate needs exactly one of ${COMPARISONS.join(", ")}`,
      );
      return undefined;
    }
    const comparison = given[0]!;
    const raw = a[comparison]!;
    const threshold: Value | undefined =
      typeof raw === "number" ? { kind: "number", value: raw } : cx.template(raw);
    const { s3, task } = a.metric;
    if ((s3 === undefined) === (task === undefined)) {
      cx.report.error(
        "INVALID_VALUE",
        a.$ranges["metric"],
        "metric: needs exactly one of s3: or task:",
      );
      return undefined;
    }
    let source: { s3: Value } | { task: string } | undefined;
    if (s3) {
      const uri = cx.template(s3);
      source = uri && { s3: uri };
    } else if (cx.requireUpstream(task!)) {
      source = { task: task!.value };
    }
    if (!threshold || !source) return undefined;
    const overlap = a.then.value.find((x) => a.else.value.some((y) => y.value === x.value));
    if (overlap) {
      cx.report.error(
        "INVALID_VALUE",
        overlap.range,
        `task "${overlap.value}" cannot be on both sides of the gate`,
      );
      return undefined;
    }
    return {
      kind: "metric.gate",
      source,
      path: a.path.split("."),
      comparison,
      threshold,
      then: a.then.value.map((x) => x.value),
      else: a.else.value.map((x) => x.value),
    };
  },
  emit: (op, target) => ({
    operator: standardOperator(target, "python", "BranchPythonOperator"),
    arguments: [
      ["python_callable", { kind: "name", ref: runtimeFunction("metric_gate") }],
      [
        "op_kwargs",
        py.dict([
          [
            "source",
            "s3" in op.source
              ? py.dict([["s3", templated(op.source.s3)]])
              : py.dict([["task", py.str(op.source.task)]]),
          ],
          ["path", py.list(op.path.map(py.str))],
          ["comparison", py.str(op.comparison)],
          ["threshold", templated(op.threshold)],
          ["then", py.list(op.then.map(py.str))],
          ["otherwise", py.list(op.else.map(py.str))],
        ]),
      ],
    ],
  }),
};
