// What the SageMaker kinds share: images, per-run names, instance settings, tags.

import { createHash } from "node:crypto";
import { isMap, isScalar, type Node } from "yaml";
import type { TextPart, Value } from "../ir";
import { didYouMean } from "../diagnostics";
import { IMAGES, IMAGE_FRAMEWORKS, type ImageScope } from "../images";
import { Type, optional, required, t, wrongType, type Located, type ReadContext } from "../schema";
import { TemplateType, duration, type Template } from "../values";
import { NAME_PREFIX, SAGEMAKER_ROLE_ARN } from "../variables";
import { SAGEMAKER_TRAINING_RUNTIME_MAX } from "../limits";
import { templated } from "../emit/python";
import { AMAZON, type LowerContext, type OperatorCall } from "./kind";

export type ImageSpec = { uri: Template } | { framework: string; version: Located<string> };

const frameworkImage = t.object({
  framework: required(
    t.oneOf(IMAGE_FRAMEWORKS),
    "A SageMaker framework image (the SageMaker Python SDK's name).",
  ),
  version: required(
    t.located(
      t.string({
        pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
        patternHint: "an image version such as 1.7-1",
      }),
    ),
    "The framework image's version, e.g. 1.7-1 for XGBoost: one the SageMaker SDK lists.",
  ),
});

/** An image: a full URI, or `{ framework, version }` resolved for the region when the task runs. */
class ImageType extends Type<ImageSpec> {
  read(node: Node, ctx: ReadContext): ImageSpec | undefined {
    if (isScalar(node)) {
      const uri = new TemplateType().read(node, ctx);
      return uri && { uri };
    }
    if (isMap(node)) return frameworkImage.read(node, ctx);
    return wrongType(node, ctx, "an image URI or { framework, version }");
  }

  jsonSchema() {
    return { oneOf: [{ type: "string" }, frameworkImage.jsonSchema()] };
  }
}

export const image = () => new ImageType();

/**
 * The image's URI. A framework image must be one the SageMaker SDK's data lists for the scope:
 * training (training and processing jobs) or inference (models).
 */
export function imageValue(
  spec: ImageSpec,
  scope: ImageScope,
  cx: LowerContext,
): Value | undefined {
  if ("uri" in spec) return cx.template(spec.uri);
  const { framework, version } = spec;
  const versions = IMAGES.frameworks[framework] ?? {};
  const found = versions[version.value];
  const where = `in the SageMaker SDK's data (sagemaker ${IMAGES.sdk})`;
  if (!found?.scopes.includes(scope)) {
    const listed = Object.keys(versions).filter((v) => versions[v]!.scopes.includes(scope));
    cx.report.error(
      "INVALID_VALUE",
      version.range,
      `no ${scope} image ${framework} ${version.value} ${where}: ${listed.join(", ")}` +
        didYouMean(version.value, listed),
    );
    return undefined;
  }
  return {
    kind: "text",
    parts: [{ kind: "image", framework, version: version.value }],
  };
}

export const INSTANCE_TYPE = t.string({
  pattern: /^ml\.[a-z0-9]+\.[a-z0-9]+$/,
  patternHint: "a SageMaker instance type such as ml.m5.xlarge",
});

export const computeShape = {
  instanceType: optional(INSTANCE_TYPE, "Instance type (default ml.m5.xlarge)."),
  instanceCount: optional(t.integer({ min: 1, max: 100 }), "Number of instances (default 1)."),
  volumeSizeGb: optional(
    t.integer({ min: 1, max: 16384 }),
    "Storage per instance in GB (default 30).",
  ),
  maxRuntime: optional(
    duration({ max: SAGEMAKER_TRAINING_RUNTIME_MAX }),
    "Stop the job after this long (default 1h, at most 28d).",
  ),
};

export function compute(a: {
  instanceType?: string;
  instanceCount?: number;
  volumeSizeGb?: number;
  maxRuntime?: number;
}) {
  return {
    instanceType: a.instanceType ?? "ml.m5.xlarge",
    instanceCount: a.instanceCount ?? 1,
    volumeSizeGb: a.volumeSizeGb ?? 30,
    maxRuntime: a.maxRuntime ?? 3600,
  };
}

/** InstanceType, InstanceCount and VolumeSizeInGB, as training and processing jobs take them. */
export function instances(c: ReturnType<typeof compute>): Value {
  return map([
    ["InstanceType", lit(c.instanceType)],
    ["InstanceCount", num(c.instanceCount)],
    ["VolumeSizeInGB", num(c.volumeSizeGb)],
  ]);
}

export function stoppingCondition(c: ReturnType<typeof compute>): Value {
  return map([["MaxRuntimeInSeconds", num(c.maxRuntime)]]);
}

/** The emitter of a job kind: the provider's operator with the config, waiting for the job. */
export function emitJob(operator: string) {
  return (op: { config: Value }): OperatorCall => ({
    operator: { module: `${AMAZON}.sagemaker`, name: operator },
    arguments: [
      ["config", templated(op.config)],
      ["wait_for_completion", { kind: "bool", value: true }],
      ["print_log", { kind: "bool", value: false }],
    ],
  });
}

// ---------------------------------------------------------------- values

export const lit = (text: string): Value => ({ kind: "text", parts: [{ kind: "literal", text }] });
export const num = (value: number): Value => ({ kind: "number", value });
export const map = (entries: [string, Value | undefined][]): Value => ({
  kind: "map",
  entries: entries.filter((e): e is [string, Value] => e[1] !== undefined),
});
export const list = (items: Value[]): Value => ({ kind: "list", items });
export const variable = (name: string): Value => ({
  kind: "text",
  parts: [{ kind: "variable", name }],
});
export const roleArn = () => variable(SAGEMAKER_ROLE_ARN);

/** Names of per-run resources: SageMaker allows 63 characters of letters, digits and -. */
const STATIC_NAME_MAX = 15;

/** A short, stable, SageMaker-safe name for a pipeline's task: at most 15 characters. */
export function shortName(pipeline: string, task: string): string {
  const full = `${pipeline}-${task}`.replace(/_/g, "-").replace(/-+/g, "-");
  if (full.length <= STATIC_NAME_MAX) return full;
  const hash = createHash("sha256").update(full).digest("hex").slice(0, 4);
  return `${full.slice(0, STATIC_NAME_MAX - 5).replace(/-$/, "")}-${hash}`;
}

/**
 * `<stack prefix>-<pipeline-task>-<logical timestamp>`: unique per stack and run, so reruns
 * and other stacks never collide. The provider's operators add a suffix if a retry finds the
 * name taken. At most 16 + 1 + 15 + 1 + 15 = 48 characters before that suffix.
 */
export function perRunName(cx: LowerContext): Value {
  const short = shortName(cx.pipeline, cx.task);
  cx.addResource({ kind: "sagemaker.names", pipeline: cx.pipeline, task: cx.task, prefix: short });
  const parts: TextPart[] = [
    { kind: "variable", name: NAME_PREFIX },
    { kind: "literal", text: `-${short}-` },
    { kind: "context", name: "ts_nodash" },
  ];
  return { kind: "text", parts };
}

/** Tags on everything a task creates, so a SageMaker job leads back to its pipeline. */
export function tags(cx: LowerContext): Value {
  return list([
    map([
      ["Key", lit("dagspec:pipeline")],
      ["Value", lit(cx.pipeline)],
    ]),
    map([
      ["Key", lit("dagspec:task")],
      ["Value", lit(cx.task)],
    ]),
  ]);
}

/** Resolves a record of templates, stopping at the first that does not resolve. */
export function templates(
  entries: { key: string; value: Template }[] | undefined,
  cx: LowerContext,
): [string, Value][] | undefined {
  const out: [string, Value][] = [];
  for (const e of entries ?? []) {
    const v = cx.template(e.value);
    if (v === undefined) return undefined;
    out.push([e.key, v]);
  }
  return out;
}
