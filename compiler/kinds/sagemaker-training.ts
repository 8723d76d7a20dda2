import { optional, required, t, type Infer } from "../schema";
import { name, template } from "../values";
import type { TaskKind } from "./kind";
import {
  SAGEMAKER_CHANNELS_MAX,
  SAGEMAKER_HYPERPARAMETERS_MAX,
  SAGEMAKER_HYPERPARAMETER_KEY_MAX,
} from "../limits";
import {
  compute,
  computeShape,
  emitJob,
  image,
  imageValue,
  instances,
  list,
  lit,
  map,
  perRunName,
  roleArn,
  stoppingCondition,
  tags,
  templates,
} from "./sagemaker-common";

const args = t.object({
  image: required(image(), "Training image: a full URI or { framework, version }."),
  inputs: required(
    t.record(template(), name("channel name"), { maxEntries: SAGEMAKER_CHANNELS_MAX }),
    "Channels (e.g. train, validation) and the S3 prefixes they read.",
  ),
  output: required(template(), "S3 prefix the model artifacts are written under."),
  contentType: optional(t.string(), "Content type of every channel, e.g. text/csv."),
  hyperparameters: optional(
    t.record(
      template(),
      t.string({
        pattern: /^[A-Za-z0-9_.:-]+$/,
        maxLength: SAGEMAKER_HYPERPARAMETER_KEY_MAX,
        patternHint: `at most ${SAGEMAKER_HYPERPARAMETER_KEY_MAX} letters, digits and _ . : -`,
      }),
      { maxEntries: SAGEMAKER_HYPERPARAMETERS_MAX },
    ),
    "Hyperparameters, passed as strings.",
  ),
  ...computeShape,
});

/** A SageMaker training job with a per-run name; its model artifacts go to XCom. */
export const sagemakerTraining: TaskKind<"sagemaker.training", Infer<typeof args>> = {
  kind: "sagemaker.training",
  summary:
    "Runs a SageMaker training job and waits for it. Output: model (S3 URI of the artifacts), job.",
  example: [
    "train:",
    "  sagemaker.training:",
    '    image: { framework: xgboost, version: "1.7-1" }',
    "    inputs:",
    "      train: ${datasets.curated.uri}train/",
    "    contentType: text/csv",
    "    output: ${datasets.models.uri}",
    "    hyperparameters: { objective: reg:squarederror, num_round: 100 }",
    "",
  ].join("\n"),
  args,
  outputs: {
    model: ["Training", "ModelArtifacts", "S3ModelArtifacts"],
    job: ["Training", "TrainingJobName"],
  },
  lower(a, cx) {
    const img = imageValue(a.image, "training", cx);
    const inputs = templates(a.inputs, cx);
    const output = cx.template(a.output);
    const hyper = templates(a.hyperparameters, cx);
    if (!img || !inputs || !output || !hyper) return undefined;
    const c = compute(a);
    const channels = inputs.map(([channel, uri]) =>
      map([
        ["ChannelName", lit(channel)],
        [
          "DataSource",
          map([
            [
              "S3DataSource",
              map([
                ["S3DataType", lit("S3Prefix")],
                ["S3Uri", uri],
                ["S3DataDistributionType", lit("FullyReplicated")],
              ]),
            ],
          ]),
        ],
        ["ContentType", a.contentType === undefined ? undefined : lit(a.contentType)],
      ]),
    );
    const config = map([
      ["TrainingJobName", perRunName(cx)],
      [
        "AlgorithmSpecification",
        map([
          ["TrainingImage", img],
          ["TrainingInputMode", lit("File")],
        ]),
      ],
      ["RoleArn", roleArn()],
      ["InputDataConfig", list(channels)],
      ["OutputDataConfig", map([["S3OutputPath", output]])],
      ["ResourceConfig", instances(c)],
      ["StoppingCondition", stoppingCondition(c)],
      ["HyperParameters", hyper.length ? map(hyper) : undefined],
      ["Tags", tags(cx)],
    ]);
    return { kind: "sagemaker.training", config };
  },
  emit: emitJob("SageMakerTrainingOperator"),
};
