import Ajv from "ajv";
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { runtimeSource } from "../../cli/paths";
import { compileProject } from "../../compiler/compile";
import { KINDS, KIND_NAMES } from "../../compiler/kinds";
import { diskProject } from "../../compiler/project";
import { FIXTURES, ROOT, cases, compileSpecs } from "../helpers";

function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) {
      const abs = path.join(e.parentPath, e.name);
      out.set(abs, fs.readFileSync(abs, "utf8"));
    }
  }
  return out;
}

describe("compiling a project", () => {
  it("gives the same bytes twice and leaves its input untouched", () => {
    const before = snapshot(path.join(ROOT, "dags-src"));
    const first = compileProject(diskProject(ROOT), { target: "2.10", runtime: runtimeSource() });
    const second = compileProject(diskProject(ROOT), { target: "2.10", runtime: runtimeSource() });
    expect(first.diagnostics).to.deep.equal([]);
    expect([...second.dags]).to.deep.equal([...first.dags]);
    expect([...second.files]).to.deep.equal([...first.files]);
    expect(snapshot(path.join(ROOT, "dags-src"))).to.deep.equal(before);
  });

  it("rejects two specs that claim one DAG id, pointing at the second", () => {
    const spec = "pipeline: same\ntasks:\n  a:\n    empty:\n";
    const result = compileSpecs({ "a.yaml": spec, "b.yaml": spec });
    expect(
      result.diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.code} ${d.message}`),
    ).to.deep.equal([
      'dags-src/b.yaml:1:11 DUPLICATE_DAG_ID pipeline "same" is already defined in dags-src/a.yaml',
    ]);
    expect(result.dags.size).to.equal(0);
  });

  it("rejects ids that differ only by - and _, which would share a file name", () => {
    const result = compileSpecs({
      "a.yaml": "pipeline: my-dag\ntasks:\n  a:\n    empty:\n",
      "b.yaml": "pipeline: my_dag\ntasks:\n  a:\n    empty:\n",
    });
    expect(result.diagnostics.map((d) => d.code)).to.deep.equal(["NAME_COLLISION"]);
  });

  it("reports the errors of every spec in one run", () => {
    const result = compileSpecs({
      "a.yaml": "pipeline: a\ntasks:\n  x:\n    empty:\n    after: [y]\n",
      "b.yaml": "pipeline: b\nschedule: '@dayly'\ntasks:\n  x:\n    empty:\n",
      "c.yaml": "pipeline: c\ntasks:\n  x:\n    empty:\n",
    });
    expect(result.diagnostics.map((d) => `${d.file} ${d.code}`)).to.deep.equal([
      "dags-src/a.yaml UNKNOWN_TASK",
      "dags-src/b.yaml INVALID_VALUE",
    ]);
    expect(result.dags.size, "nothing is produced while any spec has errors").to.equal(0);
  });

  it("compiles the documented example of every task kind", () => {
    // The examples refer to datasets, params, functions, topics and tasks a real spec declares.
    const context: Record<string, string> = {
      train:
        '  train:\n    sagemaker.training: { image: "i", inputs: { train: "s3://b/t/" }, output: "s3://b/m/" }\n',
      model:
        '  model:\n    sagemaker.model: { image: i, model: "${tasks.train.model}" }\n    after: [train]\n',
      evaluate: "  evaluate:\n    empty:\n    after: [train]\n",
    };
    const header = [
      "pipeline: example",
      "params: { max_rmse: { type: number, default: 3.1 } }",
      "datasets:",
      ...["curated", "models", "evaluation", "predictions", "capture"].map(
        (d) => `  ${d}: { prefix: ${d}/ }`,
      ),
      "  survey: { prefix: a/, crawl: { database: db } }",
      "  raw: { key: a/b.csv }",
      "functions: { analyze_results: { source: lambdas/analyze_results.py } }",
      "topics: { ml_alerts: {} }",
      "tasks:",
    ].join("\n");
    for (const kind of KIND_NAMES) {
      const example = KINDS[kind].example;
      const defined = new Set([...example.matchAll(/^([a-z_]+):$/gm)].map((m) => m[1]));
      const extra = Object.entries(context)
        .filter(([id]) => !defined.has(id))
        .map(([, text]) => text)
        .join("");
      const spec = `${header}\n${extra}${example.replace(/^/gm, "  ")}`;
      const result = compileSpecs({
        "example.yaml": spec,
        "other.yaml": "pipeline: abalone-retrain\ntasks:\n  a:\n    empty:\n",
      });
      expect(result.diagnostics, `${kind}:\n${spec}`).to.deep.equal([]);
    }
  });

  it("lists every resource and variable the DAGs use in the manifest", () => {
    const text = fs.readFileSync(path.join(FIXTURES, "valid", "all-kinds.yaml"), "utf8");
    const { manifest } = compileSpecs({ "all-kinds.yaml": text });
    expect(manifest.databases).to.deep.equal([
      { kind: "glue.database", name: "sales", variable: "glue_database__sales" },
    ]);
    expect(manifest.crawlers.map((c) => [c.variable, c.prefix, c.tablePrefix])).to.deep.equal([
      ["all_kinds__landing__crawler", "sales/landing/", "raw_"],
    ]);
    expect(manifest.glueJobs).to.deep.equal([
      {
        kind: "glue.job",
        pipeline: "all-kinds",
        task: "transform",
        variable: "all_kinds__transform__glue_job",
        script: "glue-jobs/etl.py",
        glueVersion: "4.0",
        workerType: "G.2X",
        workers: 4,
        timeoutMinutes: 45,
        maxRetries: 1,
        bookmarks: true,
      },
    ]);
    const used = new Set<string>();
    const result = compileSpecs({ "all-kinds.yaml": text });
    for (const m of result.dags.get("all_kinds.py")!.matchAll(/var\.value\.([a-z0-9_]+)/g))
      used.add(m[1]!);
    expect(
      [...used].every((v) => manifest.variables.includes(v)),
      "every variable in the DAG is in the manifest",
    ).to.equal(true);
  });
});

describe("the manifest", () => {
  it("names every Airflow Variable the example and fixture DAGs read", () => {
    const project = compileProject(diskProject(ROOT), { target: "2.10", runtime: runtimeSource() });
    const fixture = compileSpecs({
      "ml-kinds.yaml": fs.readFileSync(path.join(FIXTURES, "valid", "ml-kinds.yaml"), "utf8"),
    });
    for (const result of [project, fixture]) {
      expect(result.diagnostics).to.deep.equal([]);
      const read = new Set<string>();
      for (const text of result.dags.values()) {
        for (const m of text.matchAll(/var\.value\.([a-z0-9_]+)/g)) read.add(m[1]!);
      }
      expect([...read].sort()).to.deep.equal(result.manifest.variables);
    }
  });

  it("lists each shared resource once", () => {
    const { manifest } = compileProject(diskProject(ROOT), {
      target: "2.10",
      runtime: runtimeSource(),
    });
    expect(manifest.databases.map((d) => d.name)).to.deep.equal(["abalone"]);
    expect(manifest.code.map((c) => c.path)).to.deep.equal([
      "ml-scripts/evaluate_classification.py",
      "ml-scripts/evaluate_regression.py",
      "ml-scripts/iris_preprocess.py",
      "ml-scripts/xgboost_evaluation.py",
    ]);
    expect(manifest.endpoints.map((e) => e.name).sort()).to.deep.equal([
      "abalone",
      "abalone-reviewed",
    ]);
    expect(manifest.functions.map((f) => [f.name, f.source])).to.deep.equal([
      ["ingest_iris", "lambdas/ingest_iris.py"],
    ]);
  });
});

describe("the JSON Schema", () => {
  const schema = JSON.parse(
    fs.readFileSync(path.join(ROOT, "schema", "pipeline.schema.json"), "utf8"),
  );
  const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);

  it("is the one the compiler generates", () => {
    const result = compileProject(diskProject(ROOT), { target: "2.10", runtime: runtimeSource() });
    expect(JSON.parse(result.files.get("schema/pipeline.schema.json")!)).to.deep.equal(schema);
  });

  it("accepts every valid fixture and example spec", () => {
    const files = [
      ...cases(path.join(FIXTURES, "valid")).map((c) => path.join(FIXTURES, "valid", `${c}.yaml`)),
      ...fs
        .readdirSync(path.join(ROOT, "dags-src"))
        .filter((f) => f.endsWith(".yaml") && f !== "dagspec.config.yaml")
        .map((f) => path.join(ROOT, "dags-src", f)),
    ];
    for (const file of files) {
      const ok = validate(parseYaml(fs.readFileSync(file, "utf8")));
      expect(ok, `${file}: ${JSON.stringify(validate.errors)}`).to.equal(true);
    }
  });

  for (const name of [
    "unknown-key",
    "wrong-type",
    "two-kinds",
    "no-kind",
    "bad-glue-args",
    "missing-tasks",
  ]) {
    it(`flags invalid/${name}.yaml in the editor too`, () => {
      const doc = parseYaml(
        fs.readFileSync(path.join(FIXTURES, "invalid", `${name}.yaml`), "utf8"),
      );
      expect(validate(doc)).to.equal(false);
    });
  }
});
