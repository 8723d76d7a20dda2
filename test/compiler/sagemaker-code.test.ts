// What the SageMaker kinds take from the project: a processing script's whole folder as the job's
// code, and framework images only as the SageMaker SDK's data lists them.

import { expect } from "chai";
import { runtimeSource } from "../../cli/paths";
import { compileProject } from "../../compiler/compile";
import { IMAGES } from "../../compiler/images";
import { memoryProject } from "../../compiler/project";
import { compileSpecs } from "../helpers";

const spec = (task: string) =>
  [
    "pipeline: code",
    "datasets:",
    "  out: { prefix: out/ }",
    "tasks:",
    "  job:",
    ...task.split("\n").map((l) => `    ${l}`),
    "",
  ].join("\n");

const processing = (image: string, script: string) =>
  spec(
    [
      "sagemaker.processing:",
      `  image: ${image}`,
      `  script: ${script}`,
      '  outputs: { report: "${datasets.out.uri}" }',
    ].join("\n"),
  );

const messages = (specs: Record<string, string>, files: Record<string, string> = {}) => {
  const project = memoryProject({
    ...files,
    ...Object.fromEntries(Object.entries(specs).map(([n, t]) => [`dags-src/${n}`, t])),
  });
  const result = compileProject(project, { target: "2.10", runtime: runtimeSource() });
  return {
    result,
    lines: result.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`),
  };
};

describe("the code a processing job ships", () => {
  const files = {
    "ml-scripts/evaluate.py": "import common\n",
    "ml-scripts/common.py": "X = 1\n",
    "ml-scripts/pkg/__init__.py": "",
    "ml-scripts/__pycache__/common.cpython-38.pyc": "",
    "ml-scripts/.notes": "",
    "other/unrelated.py": "",
  };
  const image = '{ framework: sklearn, version: "1.2-1" }';

  it("is the script's whole folder, but caches and hidden files, uploaded as the manifest's code", () => {
    const { result, lines } = messages(
      { "a.yaml": processing(image, "ml-scripts/evaluate.py") },
      files,
    );
    expect(lines).to.deep.equal([]);
    expect(result.manifest.code.map((c) => c.path)).to.deep.equal([
      "ml-scripts/common.py",
      "ml-scripts/evaluate.py",
      "ml-scripts/pkg/__init__.py",
    ]);
    const dag = result.dags.get("code.py")!;
    expect(dag).to.include('"S3Uri": "s3://{{ var.value.lake_bucket }}/_dagspec/code/ml-scripts/"');
    expect(dag).to.include(
      '"ContainerEntrypoint": ["python3", "/opt/ml/processing/input/code/evaluate.py"]',
    );
  });

  it("needs a folder of its own: a script at the project's top would ship the whole project", () => {
    const { lines } = messages(
      { "a.yaml": processing(image, "evaluate.py") },
      { "evaluate.py": "" },
    );
    expect(lines).to.deep.equal([
      "8:15 INVALID_VALUE a processing script ships with its whole folder: put evaluate.py in a folder of its own, such as ml-scripts/",
    ]);
  });
});

describe("framework images", () => {
  it("are the frameworks of the SageMaker SDK's data, named as the SDK names them", () => {
    const r = compileSpecs({
      "a.yaml": processing('{ framework: pytorch, version: "2.1" }', "ml-scripts/evaluate.py"),
    });
    expect(r.diagnostics.map((d) => d.message)).to.deep.equal([
      `"pytorch" is not one of ${Object.keys(IMAGES.frameworks).sort().join(", ")}`,
    ]);
  });

  it("must be a version the SDK's data lists, with the nearest suggested", () => {
    const r = compileSpecs({
      "a.yaml": processing('{ framework: xgboost, version: "17-1" }', "ml-scripts/evaluate.py"),
    });
    expect(r.diagnostics).to.have.length(1);
    const [d] = r.diagnostics;
    expect(`${d!.line}:${d!.col} ${d!.code}`).to.equal("7:45 INVALID_VALUE");
    expect(d!.message).to.match(
      new RegExp(
        `^no training image xgboost 17-1 in the SageMaker SDK's data \\(sagemaker ${IMAGES.sdk.replace(/\./g, "\\.")}\\): .*1\\.7-1.*; did you mean "1\\.7-1"\\?$`,
      ),
    );
  });

  it("serve models only where the SDK lists an inference image for the version", () => {
    const training = Object.entries(IMAGES.frameworks["sklearn"]!).find(
      ([, i]) => !i.scopes.includes("inference"),
    );
    expect(training, "a training-only sklearn version in the SDK's data").to.not.equal(undefined);
    const model = spec(
      [
        "sagemaker.model:",
        `  image: { framework: sklearn, version: "${training![0]}" }`,
        '  model: "${datasets.out.uri}model.tar.gz"',
      ].join("\n"),
    );
    const r = compileSpecs({ "a.yaml": model });
    expect(r.diagnostics.map((d) => d.message)).to.satisfy(
      (m: string[]) =>
        m.length === 1 && m[0]!.startsWith(`no inference image sklearn ${training![0]} `),
    );
  });
});
