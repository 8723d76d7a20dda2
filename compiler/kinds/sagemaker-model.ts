import { templated } from "../emit/python";
import { optional, required, t, type Infer } from "../schema";
import { template } from "../values";
import { AMAZON, type TaskKind } from "./kind";
import { image, imageValue, map, perRunName, roleArn, tags, templates } from "./sagemaker-common";

const args = t.object({
  image: required(image(), "Inference image: a full URI or { framework, version }."),
  model: required(
    template(),
    "S3 URI of the model artifacts, usually ${tasks.<training task>.model}.",
  ),
  environment: optional(
    t.record(
      template(),
      t.string({ pattern: /^[A-Z_][A-Z0-9_]*$/, patternHint: "an environment variable name" }),
    ),
    "Environment variables of the container.",
  ),
});

/** A SageMaker model (image plus artifacts) with a per-run name, for transform jobs and endpoints. */
export const sagemakerModel: TaskKind<"sagemaker.model", Infer<typeof args>> = {
  kind: "sagemaker.model",
  summary: "Creates a SageMaker model from an image and trained artifacts. Output: name.",
  example: [
    "model:",
    "  sagemaker.model:",
    '    image: { framework: xgboost, version: "1.7-1" }',
    "    model: ${tasks.train.model}",
    "  after: [train]",
    "",
  ].join("\n"),
  args,
  outputs: { name: ["Model", "ModelName"] },
  lower(a, cx) {
    const img = imageValue(a.image, "inference", cx);
    const artifacts = cx.template(a.model);
    const env = templates(a.environment, cx);
    if (!img || !artifacts || !env) return undefined;
    const config = map([
      ["ModelName", perRunName(cx)],
      [
        "PrimaryContainer",
        map([
          ["Image", img],
          ["ModelDataUrl", artifacts],
          ["Environment", env.length ? map(env) : undefined],
        ]),
      ],
      ["ExecutionRoleArn", roleArn()],
      ["Tags", tags(cx)],
    ]);
    return { kind: "sagemaker.model", config };
  },
  emit: (op) => ({
    operator: { module: `${AMAZON}.sagemaker`, name: "SageMakerModelOperator" },
    arguments: [["config", templated(op.config)]],
  }),
};
