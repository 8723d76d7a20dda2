import { py, templated } from "../emit/python";
import { optional, required, t, type Infer } from "../schema";
import { duration, template } from "../values";
import { runtimeFunction, standardSensor, type TaskKind } from "./kind";

const args = t.object({
  uri: required(template(), "The S3 key or prefix to wait for, e.g. ${datasets.survey.uri}."),
  newerThanLastRun: optional(
    t.boolean(),
    "Count only objects modified since the last successful run started (default true).",
  ),
  mode: optional(
    t.oneOf(["poke", "reschedule"] as const),
    "poke holds a worker slot; reschedule frees it between checks (default reschedule).",
  ),
  pokeInterval: optional(duration(), "Time between checks (default 5m)."),
  timeout: optional(duration(), "Give up after this long (default 6h)."),
  onTimeout: optional(
    t.oneOf(["skip", "fail"] as const),
    "skip marks the run's remaining tasks skipped; fail fails it (default skip).",
  ),
});

/**
 * Waits for new objects in S3. Unlike a plain key sensor it is not satisfied by data an
 * earlier run already processed: only objects newer than the last successful run count.
 */
export const sensorS3: TaskKind<"sensor.s3", Infer<typeof args>> = {
  kind: "sensor.s3",
  summary:
    "Waits for new objects under an S3 key or prefix, ignoring those older than the last successful run. Output: keys.",
  example: [
    "wait:",
    "  sensor.s3:",
    "    uri: ${datasets.survey.uri}",
    "    timeout: 12h",
    "",
  ].join("\n"),
  args,
  outputs: { keys: [] },
  lower(a, cx) {
    const uri = cx.template(a.uri);
    if (!uri) return undefined;
    return {
      kind: "sensor.s3",
      uri,
      newerThanLastSuccess: a.newerThanLastRun ?? true,
      mode: a.mode ?? "reschedule",
      pokeInterval: a.pokeInterval ?? 300,
      timeout: a.timeout ?? 6 * 3600,
      softFail: (a.onTimeout ?? "skip") === "skip",
    };
  },
  emit: (op, target) => ({
    operator: standardSensor(target, "python", "PythonSensor"),
    arguments: [
      ["python_callable", { kind: "name", ref: runtimeFunction("s3_new_objects") }],
      [
        "op_kwargs",
        py.dict([
          ["uri", templated(op.uri)],
          ["newer_than_last_success", py.bool(op.newerThanLastSuccess)],
        ]),
      ],
      ["mode", py.str(op.mode)],
      ["poke_interval", py.int(op.pokeInterval)],
      ["timeout", py.int(op.timeout)],
      ["soft_fail", py.bool(op.softFail)],
    ],
  }),
};
