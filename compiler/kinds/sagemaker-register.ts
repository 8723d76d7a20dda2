import { templated } from "../emit/python";
import { optional, required, t, type Infer } from "../schema";
import { template } from "../values";
import { NAME_PREFIX } from "../variables";
import { AMAZON, type TaskKind } from "./kind";
import { image, imageValue, lit } from "./sagemaker-common";

const APPROVALS = ["PendingManualApproval", "Approved", "Rejected"] as const;
const APPROVAL_MEMBERS = {
  PendingManualApproval: "PENDING_MANUAL_APPROVAL",
  Approved: "APPROVED",
  Rejected: "REJECTED",
};

const args = t.object({
  group: required(
    t.string({
      pattern: /^[a-z][a-z0-9-]{0,39}$/,
      patternHint: "lowercase letters, digits and -, at most 40",
    }),
    "The model package group (the stack's prefix is added); created if missing.",
  ),
  image: required(image(), "Inference image: a full URI or { framework, version }."),
  model: required(
    template(),
    "S3 URI of the model artifacts, usually ${tasks.<training task>.model}.",
  ),
  description: optional(template(), "Description of this model version."),
  approval: optional(
    t.oneOf(APPROVALS),
    "Approval status of the new version (default PendingManualApproval).",
  ),
});

/** Registers a trained model as a new version in a model package group. */
export const sagemakerRegister: TaskKind<"sagemaker.register", Infer<typeof args>> = {
  kind: "sagemaker.register",
  summary:
    "Registers the trained model (text/csv in and out) as a new version of a SageMaker model package group. Output: package (its ARN).",
  example: [
    "register:",
    "  sagemaker.register:",
    "    group: abalone",
    '    image: { framework: xgboost, version: "1.7-1" }',
    "    model: ${tasks.train.model}",
    "  after: [train]",
    "",
  ].join("\n"),
  args,
  outputs: { package: [] },
  lower(a, cx) {
    const img = imageValue(a.image, "inference", cx);
    const model = cx.template(a.model);
    const description = a.description
      ? cx.template(a.description)
      : lit(`Registered by dagspec pipeline ${cx.pipeline}`);
    if (!img || !model || !description) return undefined;
    cx.addResource({ kind: "sagemaker.modelPackageGroup", pipeline: cx.pipeline, name: a.group });
    return {
      kind: "sagemaker.register",
      group: {
        kind: "text",
        parts: [
          { kind: "variable", name: NAME_PREFIX },
          { kind: "literal", text: `-${a.group}` },
        ],
      },
      image: img,
      model,
      description,
      approval: a.approval ?? "PendingManualApproval",
    };
  },
  emit: (op) => ({
    operator: { module: `${AMAZON}.sagemaker`, name: "SageMakerRegisterModelVersionOperator" },
    arguments: [
      ["package_group_name", templated(op.group)],
      ["image_uri", templated(op.image)],
      ["model_url", templated(op.model)],
      ["package_desc", templated(op.description)],
      // The operator takes the status as its own enum (it sends text/csv as the content type).
      [
        "model_approval",
        {
          kind: "attr",
          base: { module: `${AMAZON}.sagemaker`, name: "ApprovalStatus" },
          attr: APPROVAL_MEMBERS[op.approval],
        },
      ],
    ],
  }),
};
