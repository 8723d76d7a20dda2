import { templated } from "../emit/python";
import { optional, required, t, type Infer } from "../schema";
import { template } from "../values";
import { AMAZON, type TaskKind } from "./kind";
import { INSTANCE_TYPE, lit, map, num, perRunName, tags } from "./sagemaker-common";

const args = t.object({
  model: required(template(), "The model's name, usually ${tasks.<model task>.name}."),
  input: required(template(), "S3 prefix of the records to score."),
  output: required(template(), "S3 prefix the predictions are written under."),
  contentType: optional(t.string(), "Content type of the input, e.g. text/csv."),
  splitType: optional(
    t.oneOf(["Line", "None", "RecordIO", "TFRecord"] as const),
    "How input files split into records (default Line).",
  ),
  instanceType: optional(INSTANCE_TYPE, "Instance type (default ml.m5.xlarge)."),
  instanceCount: optional(t.integer({ min: 1, max: 100 }), "Number of instances (default 1)."),
});

/** A batch transform job: scores every record under a prefix with a model. */
export const sagemakerTransform: TaskKind<"sagemaker.transform", Infer<typeof args>> = {
  kind: "sagemaker.transform",
  summary: "Runs a SageMaker batch transform job over an S3 prefix and waits for it. Output: job.",
  example: [
    "score:",
    "  sagemaker.transform:",
    "    model: ${tasks.model.name}",
    "    input: ${datasets.curated.uri}test/",
    "    output: ${datasets.predictions.uri}${run.ts}/",
    "    contentType: text/csv",
    "  after: [model]",
    "",
  ].join("\n"),
  args,
  outputs: { job: ["Transform", "TransformJobName"] },
  lower(a, cx) {
    const model = cx.template(a.model);
    const input = cx.template(a.input);
    const output = cx.template(a.output);
    if (!model || !input || !output) return undefined;
    const config = map([
      ["TransformJobName", perRunName(cx)],
      ["ModelName", model],
      [
        "TransformInput",
        map([
          [
            "DataSource",
            map([
              [
                "S3DataSource",
                map([
                  ["S3DataType", lit("S3Prefix")],
                  ["S3Uri", input],
                ]),
              ],
            ]),
          ],
          ["ContentType", a.contentType === undefined ? undefined : lit(a.contentType)],
          ["SplitType", lit(a.splitType ?? "Line")],
        ]),
      ],
      [
        "TransformOutput",
        map([
          ["S3OutputPath", output],
          ["AssembleWith", lit(a.splitType === "None" ? "None" : "Line")],
        ]),
      ],
      [
        "TransformResources",
        map([
          ["InstanceType", lit(a.instanceType ?? "ml.m5.xlarge")],
          ["InstanceCount", num(a.instanceCount ?? 1)],
        ]),
      ],
      ["Tags", tags(cx)],
    ]);
    return { kind: "sagemaker.transform", config };
  },
  emit: (op) => ({
    operator: { module: `${AMAZON}.sagemaker`, name: "SageMakerTransformOperator" },
    arguments: [
      ["config", templated(op.config)],
      ["wait_for_completion", { kind: "bool", value: true }],
      ["check_if_model_exists", { kind: "bool", value: false }],
    ],
  }),
};
