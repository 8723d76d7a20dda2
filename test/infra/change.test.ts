// What a change to the project changes in the stack: a spec edit reaches its own DAG object and
// nothing else, and the same project always gives the same resources.

import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { runStack, type Recorded, type StackRun } from "./mocks";
import { copyProject, editFile, recompile, removeProject } from "./project";

/** A second, small pipeline: one crawled dataset. */
const EXTRA_SPEC = `pipeline: extra-pipeline
description: A second pipeline, added and removed by the test.
datasets:
  inbox:
    prefix: extra/inbox/
    crawl: { database: extra }
tasks:
  crawl:
    glue.crawler: { dataset: inbox }
`;

/** Resources by type and name, with everything the engine would diff. */
function byUrn(run: StackRun): Map<string, Omit<Recorded, "state" | "id">> {
  return new Map(
    run.resources.map(({ state: _state, id: _id, ...rest }) => [
      `${rest.type}::${rest.name}`,
      rest,
    ]),
  );
}

function changed(a: StackRun, b: StackRun): string[] {
  const before = byUrn(a);
  const after = byUrn(b);
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys]
    .filter((k) => JSON.stringify(before.get(k)) !== JSON.stringify(after.get(k)))
    .sort();
}

describe("a change to the project", () => {
  const roots: string[] = [];
  const project = () => {
    const root = copyProject();
    roots.push(root);
    return root;
  };
  after(() => roots.forEach(removeProject));

  it("leaves every resource input as it was when nothing changed", async () => {
    const root = project();
    const first = await runStack(root);
    const second = await runStack(root);
    expect(changed(first, second)).to.deep.equal([]);
    expect(first.resources.length).to.be.greaterThan(50);
  });

  it("gives two copies of one project the same stack", async () => {
    expect(changed(await runStack(project()), await runStack(project()))).to.deep.equal([]);
  });

  // Specs using every kind of resource: Glue, SageMaker, Lambda, SNS, sensors and gates.
  const specs: [string, string][] = [
    ["abalone-retrain", "abalone_retrain"],
    ["abalone-continuous", "abalone_continuous"],
    ["iris-training", "iris_training"],
  ];
  for (const [spec, dag] of specs) {
    it(`changes exactly its own DAG object when one spec changes (${spec})`, async () => {
      const root = project();
      const edited = project();
      editFile(edited, `dags-src/${spec}.yaml`, (t) =>
        t.replace(/^description: .*$/m, "description: The same pipeline, described better."),
      );
      recompile(edited);
      expect(changed(await runStack(root), await runStack(edited))).to.deep.equal([
        `aws:s3/bucketObjectv2:BucketObjectv2::airflow-dag-${dag}.py`,
      ]);
    });
  }

  it("changes exactly its lake object when a processing script changes", async () => {
    const root = project();
    const edited = project();
    editFile(edited, "ml-scripts/evaluate_classification.py", (t) => t + "\n# edited\n");
    expect(changed(await runStack(root), await runStack(edited))).to.deep.equal([
      "aws:s3/bucketObjectv2:BucketObjectv2::code-ml-scripts/evaluate_classification.py",
    ]);
  });

  it("changes exactly its function when a Lambda handler changes", async () => {
    const root = project();
    const edited = project();
    editFile(edited, "lambdas/ingest_iris.py", (t) => t + "\n# edited\n");
    expect(changed(await runStack(root), await runStack(edited))).to.deep.equal([
      "aws:lambda/function:Function::lambda-iris-training-ingest_iris",
    ]);
  });

  it("adds a spec's resources when it is added and removes them, DAG object included, when it goes", async () => {
    const root = project();
    const grown = project();
    fs.writeFileSync(path.join(grown, "dags-src/extra-pipeline.yaml"), EXTRA_SPEC);
    recompile(grown);
    const diff = changed(await runStack(root), await runStack(grown));
    expect(diff).to.include.members([
      "aws:s3/bucketObjectv2:BucketObjectv2::airflow-dag-extra_pipeline.py",
      "aws:glue/crawler:Crawler::glue-extra-pipeline-inbox-crawler",
      "aws:glue/catalogDatabase:CatalogDatabase::glue-db-extra",
      "aws:ssm/parameter:Parameter::variables-extra_pipeline__inbox__crawler",
    ]);
    expect(diff).not.to.include(
      "aws:s3/bucketObjectv2:BucketObjectv2::airflow-dag-abalone_retrain.py",
    );
    // Run the other way round, the same list is what Pulumi deletes: the DAG object goes too.
    expect(changed(await runStack(grown), await runStack(root))).to.deep.equal(diff);
  });
});
