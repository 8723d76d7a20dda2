import { expect } from "chai";
import { runtimeSource } from "../../cli/paths";
import { compileProject } from "../../compiler/compile";
import type { PipelineIR, Value } from "../../compiler/ir";
import { diskProject } from "../../compiler/project";
import {
  airflowLakeUses,
  checkDagVariables,
  hookListingFolder,
  imageOf,
  lakePaths,
  lakeRefs,
  locationCovers,
  manifestResources,
  mergeLakeAccess,
  planStack,
  UnboundVariableError,
  valuesAt,
  variablesReadBy,
} from "../../infra/plan";
import { namePrefix } from "../../infra/naming";
import { checkSageMakerNames } from "../../infra/stack";
import { ROOT } from "../helpers";

const PIPELINE = "abalone-retrain";
const compiled = compileProject(diskProject(ROOT), { target: "2.10", runtime: runtimeSource() });

describe("the stack plan", () => {
  it("comes from a project that compiles", () => {
    expect(compiled.diagnostics).to.deep.equal([]);
  });

  it("takes every resource of the manifest", () => {
    const plan = planStack(compiled);
    const { manifest } = compiled;
    expect(plan.datasets).to.deep.equal(manifest.datasets);
    expect(plan.databases).to.deep.equal(manifest.databases);
    expect(plan.crawlers).to.deep.equal(manifest.crawlers);
    expect(plan.glueJobs).to.deep.equal(manifest.glueJobs);
    expect(plan.code).to.deep.equal(manifest.code);
    expect(plan.functions).to.deep.equal(manifest.functions);
    expect(plan.topics).to.deep.equal(manifest.topics);
    expect(plan.sagemakerNames).to.deep.equal(manifest.sagemakerNames);
    expect(plan.endpoints).to.deep.equal(manifest.endpoints);
    expect(plan.modelPackageGroups).to.deep.equal(manifest.modelPackageGroups);
    const lists = Object.values(manifest).filter(
      (v): v is unknown[] => Array.isArray(v) && typeof v[0] === "object",
    );
    expect(manifestResources(manifest)).to.have.length(lists.reduce((n, l) => n + l.length, 0));
    // Every kind of resource is in the examples, so the test above covers each switch case.
    expect(new Set(manifestResources(manifest).map((r) => r.kind)).size).to.equal(10);
  });

  it("knows which pipelines run SageMaker", () => {
    const plan = planStack(compiled);
    expect(plan.sagemaker).to.equal(true);
    expect(plan.pipelines.filter((p) => p.sagemaker).map((p) => p.id)).to.deep.equal([
      "abalone-continuous",
      "abalone-retrain",
      "iris-training",
      "model-review",
    ]);
  });

  it("binds every Airflow Variable the DAGs read to a resource", () => {
    const plan = planStack(compiled);
    const { manifest } = compiled;
    expect(plan.variables.map((v) => v.name)).to.deep.equal(manifest.variables);
    const expected = new Map<string, string>([
      ["lake_bucket", "lake"],
      ...manifest.databases.map((d): [string, string] => [d.variable, "glue.database"]),
      ...manifest.crawlers.map((c): [string, string] => [c.variable, "glue.crawler"]),
      ...manifest.glueJobs.map((j): [string, string] => [j.variable, "glue.job"]),
      ...manifest.functions.map((f): [string, string] => [f.variable, "lambda.function"]),
      ...manifest.topics.map((t): [string, string] => [t.variable, "sns.topic"]),
      ["name_prefix", "namePrefix"],
      ["sagemaker_role_arn", "sagemakerRole"],
    ]);
    for (const v of plan.variables) expect(v.target.kind, v.name).to.equal(expected.get(v.name));
    expect(
      plan.variables.find((v) => v.name === "abalone_retrain__survey__crawler")?.target.kind,
    ).to.equal("glue.crawler");
  });

  it("fails on an Airflow Variable no resource provides, naming it", () => {
    const manifest = {
      ...compiled.manifest,
      variables: [...compiled.manifest.variables, "mystery__thing"],
    };
    expect(() => planStack({ manifest, pipelines: compiled.pipelines })).to.throw(
      UnboundVariableError,
      /mystery__thing/,
    );
  });

  it("fails on a variable a DAG file reads that the manifest left out, naming it", () => {
    const plan = planStack(compiled);
    const dags = new Map([
      ...compiled.dags,
      ["x.py", 'job_name="{{ var.value.forgotten__thing }}"\n'],
    ]);
    expect(() => checkDagVariables(plan, new Map(compiled.dags))).not.to.throw();
    expect(() => checkDagVariables(plan, dags)).to.throw(UnboundVariableError, /forgotten__thing/);
    expect(
      variablesReadBy(new Map([["a.py", "{{ var.value.a }} {{var.value.b_2}}"]])),
    ).to.deep.equal(["a", "b_2"]);
  });

  it("groups datasets, databases, crawlers and jobs by pipeline", () => {
    const { manifest } = compiled;
    const plan = planStack(compiled);
    expect(plan.pipelines.map((p) => p.id)).to.deep.equal(
      compiled.pipelines.map((p) => p.id).sort(),
    );
    for (const p of plan.pipelines) {
      expect(p.datasets).to.deep.equal(
        manifest.datasets.filter((d) => d.pipeline === p.id).map((d) => d.location),
      );
      expect(p.crawlers).to.deep.equal(manifest.crawlers.filter((c) => c.pipeline === p.id));
      expect(p.glueJobs).to.deep.equal(manifest.glueJobs.filter((j) => j.pipeline === p.id));
      expect(p.functions).to.deep.equal(manifest.functions.filter((f) => f.pipeline === p.id));
      expect(p.topics).to.deep.equal(manifest.topics.filter((t) => t.pipeline === p.id));
    }
    const abalone = plan.pipelines.find((p) => p.id === PIPELINE)!;
    expect(abalone.datasets).to.deep.include.members([
      { prefix: "abalone/new/" },
      { key: "abalone/raw/abalone.data" },
      { prefix: "abalone/curated/" },
    ]);
    expect(abalone.databases).to.deep.equal(["abalone"]);
    expect(abalone.crawlers.map((c) => c.dataset)).to.deep.equal(["survey"]);
    expect(abalone.glueJobs.map((j) => j.task)).to.deep.equal(["preprocess"]);
  });

  it("finds the datasets python helper tasks name", () => {
    const plan = planStack(compiled);
    expect(plan.pipelines.find((p) => p.id === PIPELINE)!.airflowLake.readWrite).to.deep.equal([
      { prefix: "abalone/curated/" },
    ]);
    expect(plan.warnings).to.deep.equal([]);
  });

  it("finds what gates read, sensors list, and the SageMaker hook checks before a job", () => {
    const plan = planStack(compiled);
    const lake = (id: string) => plan.pipelines.find((p) => p.id === id)!.airflowLake;
    expect(lake(PIPELINE)).to.deep.equal({
      readWrite: [{ prefix: "abalone/curated/" }],
      // The training channels are headed, the gate's JSON read.
      read: [{ prefix: "abalone/curated/" }, { prefix: "abalone/evaluation/" }],
      list: [{ prefix: "abalone/curated/" }],
      listFolders: [],
      headBucket: true,
    });
    expect(lake("abalone-continuous").list).to.deep.equal([
      { prefix: "abalone/new/" },
      { prefix: "abalone/continuous/curated/" },
    ]);
    expect(lake("batch-recommendations")).to.deep.include({
      read: [],
      list: [],
      headBucket: false,
    });
    // Airflow reads nothing the processing jobs, models or endpoints name: SageMaker does.
    expect(lake(PIPELINE).read).not.to.deep.include({ prefix: "abalone/models/" });
    expect(lake(PIPELINE).read).not.to.deep.include({ prefix: "abalone/endpoint-capture/" });
  });

  it("merges the lake access of all pipelines, each location once", () => {
    const plan = planStack(compiled);
    const merged = mergeLakeAccess(plan.pipelines.map((p) => p.airflowLake));
    expect(merged.headBucket).to.equal(true);
    expect(
      merged.read.filter((l) => JSON.stringify(l).includes('"abalone/curated/"')),
    ).to.have.length(1);
    expect(merged.list).to.deep.include({ prefix: "abalone/new/" });
  });

  it("lets the hook list the folder above an input that is a whole dataset prefix", () => {
    const whole: Value = {
      kind: "text",
      parts: [
        { kind: "literal", text: "s3://" },
        { kind: "variable", name: "lake_bucket" },
        { kind: "literal", text: "/abalone/curated/" },
      ],
    };
    const pipelines: PipelineIR[] = compiled.pipelines.map((p) =>
      p.id !== PIPELINE
        ? p
        : {
            ...p,
            tasks: p.tasks.map((t) =>
              t.op.kind === "sagemaker.training"
                ? { ...t, op: { ...t.op, config: replaceChannels(t.op.config, whole) } }
                : t,
            ),
          },
    );
    const plan = planStack({ manifest: compiled.manifest, pipelines });
    expect(plan.pipelines.find((p) => p.id === PIPELINE)!.airflowLake.listFolders).to.deep.equal([
      "abalone/",
    ]);
    expect(hookListingFolder("abalone/curated/")).to.equal("abalone/");
    expect(hookListingFolder("abalone/curated/20240101T000000")).to.equal("abalone/curated/");
    // \w stops at "-", as in the hook's regular expression.
    expect(hookListingFolder("abalone/endpoint-capture/")).to.equal("abalone/endpoint-");
  });

  it("warns about a gate or sensor location it cannot tell, instead of granting it", () => {
    const fromParam: Value = { kind: "text", parts: [{ kind: "param", name: "uri" }] };
    const pipelines: PipelineIR[] = compiled.pipelines.map((p) =>
      p.id !== "abalone-continuous"
        ? p
        : {
            ...p,
            tasks: p.tasks.map((t) =>
              t.op.kind === "sensor.s3" ? { ...t, op: { ...t.op, uri: fromParam } } : t,
            ),
          },
    );
    const plan = planStack({ manifest: compiled.manifest, pipelines });
    expect(plan.warnings).to.deep.equal([
      "abalone-continuous.wait_for_survey names an S3 location the stack cannot tell from its " +
        "spec (no dataset of the pipeline); the stack grants Airflow no access to it",
    ]);
    expect(
      plan.pipelines.find((p) => p.id === "abalone-continuous")!.airflowLake.list,
    ).not.to.deep.include({ prefix: "abalone/new/" });
  });

  it("finds the images SageMaker runs: framework images and ECR URIs written in full", () => {
    const plan = planStack(compiled);
    const images = (id: string) => plan.pipelines.find((p) => p.id === id)!.images;
    const xgboost = { kind: "framework", framework: "xgboost", version: "1.7-1" };
    expect(images(PIPELINE)).to.deep.equal([xgboost]);
    expect(images("iris-training")).to.deep.equal([
      { kind: "framework", framework: "sklearn", version: "1.2-1" },
      xgboost,
    ]);
    expect(images("batch-recommendations")).to.deep.equal([]);
    const uri = (text: string): Value => ({ kind: "text", parts: [{ kind: "literal", text }] });
    expect(
      imageOf(uri("111122223333.dkr.ecr.eu-west-1.amazonaws.com/team/model:1.0")),
    ).to.deep.equal({
      kind: "ecr",
      account: "111122223333",
      region: "eu-west-1",
      repository: "team/model",
    });
    expect(imageOf({ kind: "text", parts: [{ kind: "param", name: "image" }] })).to.equal(
      undefined,
    );
  });

  it("keeps every SageMaker name the DAGs build within 63 characters, or fails naming the task", () => {
    const plan = planStack(compiled);
    const longest = namePrefix({ project: "dagspec", stack: "a-very-long-stack-name-indeed" });
    expect(() => checkSageMakerNames(plan, longest)).not.to.throw();
    expect(() => checkSageMakerNames(plan, "x".repeat(20))).to.throw(
      /SageMaker names over 63 characters: .*abalone-retrain\.train \(66\)/,
    );
  });

  it("reads values at a path, through lists", () => {
    const training = compiled.pipelines
      .find((p) => p.id === PIPELINE)!
      .tasks.find((t) => t.op.kind === "sagemaker.training")!.op;
    const [use] = airflowLakeUses(training);
    expect(use?.use).to.equal("inputCheck");
    expect(airflowLakeUses(training).flatMap((u) => lakePaths(u.value))).to.deep.equal([
      "abalone/curated/",
      "abalone/curated/",
    ]);
    expect(valuesAt({ kind: "number", value: 1 }, ["a"])).to.deep.equal([]);
  });

  it("warns about a helper path outside every dataset instead of granting it", () => {
    const stray: Value = {
      kind: "text",
      parts: [
        { kind: "literal", text: "s3://" },
        { kind: "variable", name: "lake_bucket" },
        { kind: "literal", text: "/elsewhere/x.json" },
      ],
    };
    const pipelines: PipelineIR[] = compiled.pipelines.map((p) =>
      p.id !== PIPELINE
        ? p
        : {
            ...p,
            tasks: p.tasks.map((t) =>
              t.op.kind === "python" ? { ...t, op: { ...t.op, kwargs: [["uri", stray]] } } : t,
            ),
          },
    );
    const plan = planStack({ manifest: compiled.manifest, pipelines });
    expect(plan.pipelines.find((p) => p.id === PIPELINE)!.airflowLake.readWrite).to.deep.equal([]);
    expect(plan.warnings.filter((w) => w.startsWith(`${PIPELINE}.`))).to.deep.equal([
      `${PIPELINE}.check_splits names s3://<lake>/elsewhere/x.json, which is in no dataset of the pipeline; ` +
        "the stack grants Airflow no access to it (declare it as a dataset)",
    ]);
  });

  it("reads lake paths after the lake_bucket reference, at any depth", () => {
    const v: Value = {
      kind: "list",
      items: [
        {
          kind: "map",
          entries: [
            [
              "a",
              {
                kind: "text",
                parts: [
                  { kind: "variable", name: "lake_bucket" },
                  { kind: "literal", text: "/k/v" },
                ],
              },
            ],
          ],
        },
        { kind: "number", value: 1 },
      ],
    };
    expect(lakePaths(v)).to.deep.equal(["k/v"]);
    expect(lakeRefs(v)).to.deep.equal([{ path: "k/v", complete: true }]);
    expect(locationCovers({ prefix: "k/" }, "k/v")).to.equal(true);
    expect(locationCovers({ key: "k/v" }, "k/v")).to.equal(true);
    expect(locationCovers({ key: "k/v" }, "k/vv")).to.equal(false);
  });
});

/** A training config whose every channel reads `uri`. */
function replaceChannels(config: Value, uri: Value): Value {
  if (config.kind === "map") {
    return {
      kind: "map",
      entries: config.entries.map(([k, v]) => [k, k === "S3Uri" ? uri : replaceChannels(v, uri)]),
    };
  }
  if (config.kind === "list")
    return { kind: "list", items: config.items.map((v) => replaceChannels(v, uri)) };
  return config;
}
