import { templated } from "../emit/python";
import type { Value } from "../ir";
import { optional, required, t, type Infer } from "../schema";
import { template } from "../values";
import { NAME_PREFIX } from "../variables";
import { AMAZON, type TaskKind } from "./kind";
import { INSTANCE_TYPE, lit, list, map, num, perRunName, tags } from "./sagemaker-common";

const args = t.object({
  endpoint: required(
    t.located(
      t.string({
        pattern: /^[a-z][a-z0-9-]{0,39}$/,
        patternHint: "lowercase letters, digits and -, at most 40",
      }),
    ),
    "The endpoint's stable name (the stack's prefix is added). Every run updates this one endpoint.",
  ),
  model: required(template(), "The model's name, usually ${tasks.<model task>.name}."),
  instanceType: optional(INSTANCE_TYPE, "Instance type (default ml.m5.large)."),
  instanceCount: optional(t.integer({ min: 1, max: 100 }), "Number of instances (default 1)."),
  dataCapture: optional(
    t.object({
      destination: required(
        template(),
        "S3 prefix captured requests and responses are written under.",
      ),
      samplingPercentage: optional(
        t.integer({ min: 1, max: 100 }),
        "Share of requests captured (default 100).",
      ),
    }),
    "Capture requests and responses for model monitoring.",
  ),
});

/**
 * Deploys a model to a stable endpoint: a new endpoint config per run, and the endpoint is
 * created the first time and updated after that, so each run replaces the model in place.
 */
export const sagemakerEndpoint: TaskKind<"sagemaker.endpoint", Infer<typeof args>> = {
  kind: "sagemaker.endpoint",
  summary:
    "Creates or updates a stable SageMaker endpoint with a new per-run endpoint config and waits until it is in service.",
  example: [
    "deploy:",
    "  sagemaker.endpoint:",
    "    endpoint: abalone",
    "    model: ${tasks.model.name}",
    '    dataCapture: { destination: "${datasets.capture.uri}" }',
    "  after: [model]",
    "",
  ].join("\n"),
  args,
  lower(a, cx) {
    const model = cx.template(a.model);
    const destination = a.dataCapture ? cx.template(a.dataCapture.destination) : undefined;
    if (!model || (a.dataCapture && !destination)) return undefined;
    cx.addResource({ kind: "sagemaker.endpoint", pipeline: cx.pipeline, name: a.endpoint.value });
    const configName = perRunName(cx);
    const endpointName: Value = {
      kind: "text",
      parts: [
        { kind: "variable", name: NAME_PREFIX },
        { kind: "literal", text: `-${a.endpoint.value}` },
      ],
    };
    const capture =
      destination &&
      map([
        ["EnableCapture", { kind: "boolean", value: true }],
        ["InitialSamplingPercentage", num(a.dataCapture?.samplingPercentage ?? 100)],
        ["DestinationS3Uri", destination],
        [
          "CaptureOptions",
          list([map([["CaptureMode", lit("Input")]]), map([["CaptureMode", lit("Output")]])]),
        ],
      ]);
    const config = map([
      [
        "EndpointConfig",
        map([
          ["EndpointConfigName", configName],
          [
            "ProductionVariants",
            list([
              map([
                ["VariantName", lit("AllTraffic")],
                ["ModelName", model],
                ["InitialInstanceCount", num(a.instanceCount ?? 1)],
                ["InstanceType", lit(a.instanceType ?? "ml.m5.large")],
                ["InitialVariantWeight", num(1)],
              ]),
            ]),
          ],
          ["DataCaptureConfig", capture],
          ["Tags", tags(cx)],
        ]),
      ],
      [
        "Endpoint",
        map([
          ["EndpointName", endpointName],
          ["EndpointConfigName", configName],
          ["Tags", tags(cx)],
        ]),
      ],
    ]);
    return { kind: "sagemaker.endpoint", config };
  },
  emit: (op) => ({
    operator: { module: `${AMAZON}.sagemaker`, name: "SageMakerEndpointOperator" },
    arguments: [
      ["config", templated(op.config)],
      // "create" falls back to updating the endpoint when it exists already.
      ["operation", { kind: "str", value: "create" }],
      ["wait_for_completion", { kind: "bool", value: true }],
    ],
  }),
};
