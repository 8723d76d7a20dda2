import type { Value } from "../ir";
import { optional, required, t, type Infer, type Located } from "../schema";
import { duration, name, template } from "../values";
import {
  SAGEMAKER_PROCESSING_INPUTS_MAX,
  SAGEMAKER_PROCESSING_OUTPUTS_MAX,
  SAGEMAKER_PROCESSING_RUNTIME_MAX,
} from "../limits";
import { CODE_PREFIX, LAKE_BUCKET } from "../variables";
import type { LowerContext, TaskKind } from "./kind";
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

const CONTAINER = "/opt/ml/processing";

const args = t.object({
  image: required(image(), "Processing image: a full URI or { framework, version }."),
  script: optional(
    t.located(t.string()),
    "A project file to run with python3, e.g. ml-scripts/evaluate.py; the job gets its whole folder.",
  ),
  arguments: optional(t.list(template()), "Arguments for the script or the image's entrypoint."),
  inputs: optional(
    t.record(template(), name("input name")),
    `S3 URIs copied to ${CONTAINER}/input/<name>/ before the job.`,
  ),
  outputs: optional(
    t.record(template(), name("output name"), { maxEntries: SAGEMAKER_PROCESSING_OUTPUTS_MAX }),
    `S3 prefixes ${CONTAINER}/output/<name>/ is uploaded to after the job.`,
  ),
  environment: optional(
    t.record(
      template(),
      t.string({ pattern: /^[A-Z_][A-Z0-9_]*$/, patternHint: "an environment variable name" }),
    ),
    "Environment variables.",
  ),
  ...computeShape,
  maxRuntime: optional(
    duration({ max: SAGEMAKER_PROCESSING_RUNTIME_MAX }),
    "Stop the job after this long (default 1h, at most 9d).",
  ),
});

/** A SageMaker processing job (evaluation, feature work) with a per-run name. */
export const sagemakerProcessing: TaskKind<"sagemaker.processing", Infer<typeof args>> = {
  kind: "sagemaker.processing",
  summary: `Runs a SageMaker processing job: inputs under ${CONTAINER}/input/<name>/, outputs from ${CONTAINER}/output/<name>/. Output: job.`,
  example: [
    "evaluate:",
    "  sagemaker.processing:",
    '    image: { framework: sklearn, version: "1.2-1" }',
    "    script: ml-scripts/evaluate.py",
    "    inputs:",
    "      model: ${tasks.train.model}",
    "      test: ${datasets.curated.uri}test/",
    "    outputs:",
    "      evaluation: ${datasets.evaluation.uri}${run.ts}/",
    "  after: [train]",
    "",
  ].join("\n"),
  args,
  outputs: { job: ["Processing", "ProcessingJobName"] },
  lower(a, cx) {
    const img = imageValue(a.image, "training", cx);
    const inputs = templates(a.inputs, cx);
    const outputs = templates(a.outputs, cx);
    const env = templates(a.environment, cx);
    const argv: Value[] = [];
    for (const arg of a.arguments ?? []) {
      const v = cx.template(arg);
      if (!v) return undefined;
      argv.push(v);
    }
    if (!img || !inputs || !outputs || !env) return undefined;
    const processingInputs = inputs.map(([input, uri]) =>
      s3Input(input, uri, `${CONTAINER}/input/${input}`),
    );
    let entrypoint: Value | undefined;
    if (a.script) {
      const code = shippedCode(a.script, cx);
      if (!code) return undefined;
      for (const file of code.files) cx.addResource({ kind: "code", path: file });
      const codeUri: Value = {
        kind: "text",
        parts: [
          { kind: "literal", text: "s3://" },
          { kind: "variable", name: LAKE_BUCKET },
          { kind: "literal", text: `/${CODE_PREFIX}${code.folder}/` },
        ],
      };
      processingInputs.push(s3Input("code", codeUri, `${CONTAINER}/input/code`));
      entrypoint = list([lit("python3"), lit(`${CONTAINER}/input/code/${code.entry}`)]);
    }
    if (processingInputs.length > SAGEMAKER_PROCESSING_INPUTS_MAX) {
      cx.report.error(
        "INVALID_VALUE",
        a.$ranges["inputs"],
        `a processing job takes at most ${SAGEMAKER_PROCESSING_INPUTS_MAX} inputs, the script being one`,
      );
      return undefined;
    }
    const c = compute(a);
    const config = map([
      ["ProcessingJobName", perRunName(cx)],
      [
        "AppSpecification",
        map([
          ["ImageUri", img],
          ["ContainerEntrypoint", entrypoint],
          ["ContainerArguments", argv.length ? list(argv) : undefined],
        ]),
      ],
      ["RoleArn", roleArn()],
      ["ProcessingInputs", list(processingInputs)],
      [
        "ProcessingOutputConfig",
        outputs.length
          ? map([
              [
                "Outputs",
                list(
                  outputs.map(([output, uri]) =>
                    map([
                      ["OutputName", lit(output)],
                      [
                        "S3Output",
                        map([
                          ["S3Uri", uri],
                          ["LocalPath", lit(`${CONTAINER}/output/${output}`)],
                          ["S3UploadMode", lit("EndOfJob")],
                        ]),
                      ],
                    ]),
                  ),
                ),
              ],
            ])
          : undefined,
      ],
      ["ProcessingResources", map([["ClusterConfig", instances(c)]])],
      ["StoppingCondition", stoppingCondition(c)],
      ["Environment", env.length ? map(env) : undefined],
      ["Tags", tags(cx)],
    ]);
    return { kind: "sagemaker.processing", config };
  },
  emit: emitJob("SageMakerProcessingOperator"),
};

/**
 * What a script's job ships: the script's whole folder (every file under it, at any depth, but
 * caches and hidden files), so the script imports its neighbours as it does here. The job's code
 * input is that folder's prefix, which SageMaker copies to ${CONTAINER}/input/code/, the
 * script's folder there and so the first entry of its sys.path.
 */
function shippedCode(
  script: Located<string>,
  cx: LowerContext,
): { folder: string; entry: string; files: string[] } | undefined {
  if (!cx.projectFile(script, "script")) return undefined;
  const slash = script.value.lastIndexOf("/");
  if (slash <= 0) {
    cx.report.error(
      "INVALID_VALUE",
      script.range,
      `a processing script ships with its whole folder: put ${script.value} in a folder of its ` +
        "own, such as ml-scripts/",
    );
    return undefined;
  }
  const folder = script.value.slice(0, slash);
  const files = cx.filesUnder(folder);
  // Everything in the folder is uploaded: each file must be one of the project's own.
  for (const file of files) {
    if (!cx.projectFile({ value: file, range: script.range }, `file shipped with ${script.value}`))
      return undefined;
  }
  return { folder, entry: script.value.slice(slash + 1), files };
}

function s3Input(inputName: string, uri: Value, localPath: string): Value {
  return map([
    ["InputName", lit(inputName)],
    [
      "S3Input",
      map([
        ["S3Uri", uri],
        ["LocalPath", lit(localPath)],
        ["S3DataType", lit("S3Prefix")],
        ["S3InputMode", lit("File")],
        ["S3DataDistributionType", lit("FullyReplicated")],
      ]),
    ],
  ]);
}
