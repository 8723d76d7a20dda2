import { py, templated, type PyExpr } from "../emit/python";
import type { Value } from "../ir";
import { optional, required, t, type Infer } from "../schema";
import { pipelineId } from "../values";
import { standardOperator, type TaskKind } from "./kind";

const args = t.object({
  pipeline: required(t.located(pipelineId()), "The id of another pipeline in dags-src/."),
  conf: optional(
    t.located(t.plain()),
    "Run configuration passed to the triggered run; strings may hold ${...} references.",
  ),
  wait: optional(
    t.boolean(),
    "Wait for the triggered run to finish, failing if it fails (default false).",
  ),
});

/** Starts a run of another pipeline. The compiler checks that the pipeline exists. */
export const triggerDag: TaskKind<"trigger.dag", Infer<typeof args>> = {
  kind: "trigger.dag",
  summary: "Starts a run of another pipeline, optionally waiting for it to finish.",
  example: ["retrain:", "  trigger.dag: { pipeline: abalone-retrain, wait: true }", ""].join("\n"),
  args,
  lower(a, cx) {
    cx.requirePipeline(a.pipeline);
    let conf: [string, Value][] = [];
    if (a.conf) {
      const v = cx.plain(a.conf.value, a.conf.range);
      if (!v) return undefined;
      if (v.kind !== "map") {
        cx.report.error("WRONG_TYPE", a.conf.range, "conf must be a mapping");
        return undefined;
      }
      conf = v.entries;
    }
    return { kind: "trigger.dag", pipeline: a.pipeline.value, conf, wait: a.wait ?? false };
  },
  emit: (op, target) => ({
    operator: standardOperator(target, "trigger_dagrun", "TriggerDagRunOperator"),
    arguments: [
      ["trigger_dag_id", py.str(op.pipeline)],
      ["conf", py.dict(op.conf.map(([k, v]) => [k, templated(v)]))],
      ["wait_for_completion", py.bool(op.wait)],
      ...(op.wait ? [["poke_interval", py.int(30)] as [string, PyExpr]] : []),
    ],
  }),
};
