// The runner's pure parts: what it creates in moto from the compiler's output, its seed data,
// its zip files, its command line and its summary.

import { expect } from "chai";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runtimeSource } from "../../cli/paths";
import { compileProject } from "../../compiler/compile";
import { diskProject } from "../../compiler/project";
import { summaryTable, progressPrinter } from "../../runner/airflow";
import { imageBuilds, jobImages } from "../../runner/images";
import { parseRunArgs, taskSeconds } from "../../runner/main";
import { localResources, missingVariables, planLocal, variablesRead } from "../../runner/provision";
import { syntheticSurvey } from "../../runner/seeds";
import { zip } from "../../runner/zip";
import { ROOT } from "../helpers";

const compiled = compileProject(diskProject(ROOT), { target: "2.10", runtime: runtimeSource() });
const plan = planLocal(compiled, ROOT);

describe("the local builds of SageMaker's images", () => {
  it("exist for every framework image the example pipelines' training and processing jobs run", () => {
    const images = jobImages(compiled.pipelines);
    expect(images).to.deep.equal(["sklearn:1.2-1", "xgboost:1.7-1"]);
    for (const image of images) {
      const [framework, version] = image.split(":") as [string, string];
      expect(imageBuilds(framework, version), image).to.deep.equal([
        `image-${framework}-${version}-py38`,
        `image-${framework}-${version}-py39`,
      ]);
    }
  });

  it("are ordered by Python version, so a run takes the newest build", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dagspec-pyenv-"));
    for (const f of ["image-x-1-py310.txt", "image-x-1-py38.txt", "image-x-1-py39.txt"]) {
      fs.writeFileSync(path.join(dir, f), "");
    }
    fs.writeFileSync(path.join(dir, "image-x-1-1-py38.txt"), ""); // version 1-1, not 1
    expect(imageBuilds("x", "1", dir)).to.deep.equal([
      "image-x-1-py38",
      "image-x-1-py39",
      "image-x-1-py310",
    ]);
  });
});

describe("the local runner's plan", () => {
  it("provides every Airflow Variable the compiled DAGs read", () => {
    expect(compiled.diagnostics).to.deep.equal([]);
    expect(missingVariables(plan, compiled.dags)).to.deep.equal([]);
    for (const v of compiled.manifest.variables) expect(plan.variables.has(v), v).to.equal(true);
  });

  it("takes every resource from the compiler's manifest, none from a second list", () => {
    const fromManifest = localResources(compiled);
    const all = compiled.pipelines.flatMap((p) => p.resources);
    // Every resource a pipeline declares is in what the runner creates, and nothing else is.
    for (const r of all)
      expect(
        fromManifest.some((m) => JSON.stringify(m) === JSON.stringify(r)),
        r.kind,
      ).to.equal(true);
    for (const r of fromManifest)
      expect(
        all.some((m) => JSON.stringify(m) === JSON.stringify(r)),
        r.kind,
      ).to.equal(true);
    expect(plan.crawlers.map((c) => c.name)).to.have.length(compiled.manifest.crawlers.length);
    expect(plan.jobs.map((j) => j.name)).to.have.length(compiled.manifest.glueJobs.length);
  });

  it("names resources as a stack called local would, in moto's account", () => {
    const lake = plan.variables.get("lake_bucket")!;
    expect(lake).to.equal("dagspec-local-lake-123456789012-us-east-1");
    expect(plan.variables.get("abalone_retrain__preprocess__glue_job")).to.equal(
      "dagspec-local-abalone-retrain-preprocess",
    );
    expect(plan.variables.get("sagemaker_role_arn")).to.match(/^arn:aws:iam::123456789012:role\//);
    expect(plan.variables.get("abalone_retrain__ml_alerts__sns_topic")).to.match(
      /^arn:aws:sns:us-east-1:123456789012:/,
    );
    expect(plan.parameters.get("lake_bucket")).to.equal("/dagspec/local/variables/lake_bucket");
  });

  it("uploads the raw data, a survey, the Glue scripts with their package, and the SageMaker code", () => {
    const keys = plan.objects.map((o) => `${o.bucket}/${o.key}`);
    const lake = plan.variables.get("lake_bucket")!;
    expect(keys).to.include(`${lake}/abalone/raw/abalone.data`);
    expect(keys).to.include(`${lake}/abalone/new/survey-0001.csv`);
    expect(keys).to.include(`${lake}/_dagspec/code/ml-scripts/evaluate_regression.py`);
    expect(keys.some((k) => k.endsWith("/glue-jobs/abalone_preprocess.py"))).to.equal(true);
    expect(keys.some((k) => k.endsWith("/glue-jobs/dagspec_glue.zip"))).to.equal(true);
    const job = plan.jobs.find((j) => j.name.endsWith("abalone-retrain-preprocess"))!;
    expect(job.defaultArguments["--extra-py-files"]).to.match(
      /^s3:\/\/.*\/glue-jobs\/dagspec_glue\.zip$/,
    );
    expect(new Set(keys).size).to.equal(keys.length);
  });

  it("reads variable names from DAG text", () => {
    expect(
      variablesRead(
        'x = "{{ var.value.lake_bucket }}/{{ var.value.a__b }}" {{var.value.lake_bucket}}',
      ),
    ).to.deep.equal(["a__b", "lake_bucket"]);
  });
});

describe("the seed data", () => {
  const raw = fs.readFileSync(path.join(ROOT, "data", "abalone", "abalone.data"), "utf8");
  const rawRows = raw.split("\n").filter((l) => l.trim());

  it("makes the survey from every 40th row, the same every time, within 2% of the original", () => {
    const survey = syntheticSurvey(raw).trim().split("\n");
    expect(syntheticSurvey(raw)).to.equal(syntheticSurvey(raw));
    expect(survey).to.have.length(Math.ceil(rawRows.length / 40));
    survey.forEach((line, n) => {
      const original = rawRows[n * 40]!.split(",");
      const fields = line.split(",");
      expect(fields).to.have.length(9);
      expect(fields[0]).to.equal(original[0]);
      expect(fields[8]).to.equal(original[8]);
      for (let j = 1; j < 8; j++) {
        expect(Math.abs(Number(fields[j]) - Number(original[j]))).to.be.at.most(
          Number(original[j]) * 0.02 + 1e-4,
        );
      }
    });
    expect(survey.some((l, n) => l !== rawRows[n * 40])).to.equal(true);
  });
});

describe("the zip writer", () => {
  it("writes archives Python's zipfile reads back byte for byte", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dagspec-zip-"));
    const file = path.join(dir, "a.zip");
    fs.writeFileSync(
      file,
      zip(
        new Map([
          ["pkg/__init__.py", ""],
          ["pkg/m.py", "X = 'é'\n"],
        ]),
      ),
    );
    const listed = execFileSync(
      "python3",
      [
        "-c",
        "import json,sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(json.dumps({n: z.read(n).decode() for n in z.namelist()}))",
        file,
      ],
      { encoding: "utf8" },
    );
    expect(JSON.parse(listed)).to.deep.equal({ "pkg/__init__.py": "", "pkg/m.py": "X = 'é'\n" });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe("the run command line", () => {
  it("reads --conf values as JSON when they parse, else as text", () => {
    const o = parseRunArgs([
      "run",
      "abalone-retrain",
      "--conf",
      "max_rmse=2.5",
      "--conf",
      "note=hello",
      "--fail",
      "crawl",
    ]);
    expect(o.pipeline).to.equal("abalone-retrain");
    expect(o.conf).to.deep.equal({ max_rmse: 2.5, note: "hello" });
    expect(o.fail).to.equal("crawl");
    expect(o.retryDelay).to.equal(2);
    expect(parseRunArgs(["run", "x", "--retry-delay", "spec"]).retryDelay).to.equal(undefined);
  });

  it("refuses what it does not understand", () => {
    expect(() => parseRunArgs(["run"])).to.throw(/needs a pipeline/);
    expect(() => parseRunArgs(["run", "x", "--airflow", "1.10"])).to.throw(/--airflow must be/);
    expect(() => parseRunArgs(["run", "x", "--conf", "novalue"])).to.throw(/KEY=VALUE/);
    expect(() => parseRunArgs(["up", "--fail", "x"])).to.throw(/unknown option --fail for up/);
  });
});

describe("the run's output", () => {
  it("prints one line per task start and end, with its state and duration", () => {
    let text = "";
    const print = progressPrinter((s) => (text += s), { width: 6 });
    const base = { dag: "d", task: "crawl", try: 1, state: "" };
    print({ ...base, event: "running", time: 100 });
    print({
      ...base,
      event: "failed",
      state: "up_for_retry",
      time: 101.5,
      error: "AccessDenied\nmore",
    });
    print({ ...base, event: "running", try: 2, time: 104 });
    print({ ...base, event: "success", try: 2, state: "success", time: 106 });
    expect(
      text
        .split("\n")
        .filter(Boolean)
        .map((l) => l.replace(/^\d\d:\d\d:\d\d {2}/, "").trim()),
    ).to.deep.equal([
      "crawl   started",
      "crawl   up_for_retry  1.5s",
      "AccessDenied",
      "crawl   started (try 2)",
      "crawl   success  2.0s",
    ]);
  });

  it("sums a task's time over its tries, and has none for a task that never ran", () => {
    const e = (event: "running" | "success" | "failed", time: number) => ({
      event,
      dag: "d",
      task: "t",
      try: 1,
      state: "",
      time,
    });
    expect(
      taskSeconds([e("running", 10), e("failed", 11), e("running", 15), e("success", 17)], "t"),
    ).to.equal(7);
    expect(taskSeconds([], "t")).to.equal(null);
  });

  it("ends with a table of task, state, tries and duration", () => {
    const table = summaryTable([
      { task: "crawl", state: "success", tries: 1, duration: 0.5 },
      { task: "deploy", state: "upstream_failed", tries: 0, duration: null },
    ]);
    expect(table).to.equal(
      [
        "task    state            tries  duration",
        "------  ---------------  -----  --------",
        "crawl   success              1      0.5s",
        "deploy  upstream_failed      0         -",
        "",
      ].join("\n"),
    );
  });
});
