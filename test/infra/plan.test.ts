import { expect } from "chai";
import { runtimeSource } from "../../cli/paths";
import { compileProject } from "../../compiler/compile";
import type { PipelineIR, Value } from "../../compiler/ir";
import { diskProject } from "../../compiler/project";
import {
  checkDagVariables,
  lakePaths,
  locationCovers,
  manifestResources,
  planStack,
  UnboundVariableError,
  variablesReadBy,
} from "../../infra/plan";
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
    expect(manifestResources(manifest)).to.have.length(
      manifest.datasets.length +
        manifest.databases.length +
        manifest.crawlers.length +
        manifest.glueJobs.length,
    );
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
    expect(plan.pipelines.find((p) => p.id === PIPELINE)!.helperLocations).to.deep.equal([
      { prefix: "abalone/curated/" },
    ]);
    expect(plan.warnings.filter((w) => w.startsWith(`${PIPELINE}.`))).to.deep.equal([]);
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
    expect(plan.pipelines.find((p) => p.id === PIPELINE)!.helperLocations).to.deep.equal([]);
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
    expect(locationCovers({ prefix: "k/" }, "k/v")).to.equal(true);
    expect(locationCovers({ key: "k/v" }, "k/v")).to.equal(true);
    expect(locationCovers({ key: "k/v" }, "k/vv")).to.equal(false);
  });
});
