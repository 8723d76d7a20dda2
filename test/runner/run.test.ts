// `dagspec run` end to end: real Airflow 2.10 against moto, the Glue job on local PySpark,
// training and evaluation in the XGBoost image's Python and pins. Each run starts its own moto, so the endpoint is created
// afresh (moto has no UpdateEndpoint). Each checks the exit code, the printed summary and the
// run's report.json, which the runner writes from Airflow's database and what moto delivered.

import { expect } from "chai";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunReport } from "../../runner/main";
import { ROOT } from "../helpers";

const BIN = path.join(ROOT, "bin", "dagspec");

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  report: RunReport;
}

function dagspecRun(args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "run", ...args], { cwd: ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const folder = /run folder (\S+)\//.exec(stdout)?.[1];
      if (!folder) return reject(new Error(`no run folder in the output:\n${stdout}\n${stderr}`));
      const reportFile = path.join(ROOT, folder, "report.json");
      if (!fs.existsSync(reportFile)) return reject(new Error(`no report:\n${stdout}\n${stderr}`));
      const report = JSON.parse(fs.readFileSync(reportFile, "utf8")) as RunReport;
      resolve({ code, stdout, stderr, report });
    });
  });
}

/** Rows of the printed summary table: task -> [state, tries]. */
function printedSummary(stdout: string): Map<string, [string, number]> {
  const lines = stdout.split("\n");
  const start = lines.findIndex((l) => /^task\s+state\s+tries\s+duration$/.test(l));
  const rows = new Map<string, [string, number]>();
  for (const line of lines.slice(start + 2)) {
    const m = /^(\w+)\s+(\w+)\s+(\d+)\s+\S+$/.exec(line);
    if (!m) break;
    rows.set(m[1]!, [m[2]!, Number(m[3])]);
  }
  return rows;
}

function states(r: Result): Record<string, string> {
  return Object.fromEntries(r.report.tasks.map((t) => [t.task, t.state]));
}

describe("dagspec run, end to end in local Airflow against moto", function () {
  this.timeout(600_000);

  it("runs the abalone retraining pipeline to success and deploys a model under the default RMSE limit", async () => {
    const r = await dagspecRun(["abalone-retrain"]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.report.state).to.equal("success");
    expect(states(r)).to.deep.equal({
      crawl: "success",
      preprocess: "success",
      check_splits: "success",
      train: "success",
      evaluate: "success",
      gate: "success",
      model: "success",
      deploy: "success",
      rejected: "skipped",
      end: "success",
    });
    const printed = printedSummary(r.stdout);
    expect(printed.get("deploy")).to.deep.equal(["success", 1]);
    expect(printed.get("rejected")).to.deep.equal(["skipped", 0]);
    expect(printed.size).to.equal(10);
    // The real work happened: the job ran on PySpark, xgboost trained, the script evaluated,
    // both in the XGBoost image's newest build (its October 2024 rebuild on Python 3.9).
    expect(r.stdout).to.match(
      /local: ran Glue job \S+ locally on PySpark: [1-9]\d* object\(s\) written/,
    );
    expect(r.stdout).to.match(
      /local: trained \S+ locally in xgboost:1\.7-1's Python \(Python 3\.9\.\d+\): \d+ training rows, 150 rounds/,
    );
    expect(r.stdout).to.match(
      /local: ran processing job \S+ locally in xgboost:1\.7-1's Python \(Python 3\.9\.\d+\) .*wrote abalone\/evaluation\/\w+\/evaluation\.json/,
    );
    expect(r.report.notifications).to.deep.equal([]);
    expect(r.stdout).to.match(/run manual__\S+: success in .*Airflow start-up/);
  });

  it("takes the gate's other branch when the RMSE limit is below the model's RMSE", async () => {
    const r = await dagspecRun(["abalone-retrain", "--conf", "max_rmse=0.5"]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.report.state).to.equal("success");
    expect(states(r)).to.include({
      gate: "success",
      rejected: "success",
      model: "skipped",
      deploy: "skipped",
      end: "success",
    });
    expect(r.report.notifications).to.have.length(1);
    expect(r.report.notifications[0]).to.include({ subject: "abalone model rejected" });
    expect(r.report.notifications[0]!.message).to.contain("missed the RMSE target of 0.5");
    expect(r.stdout).to.match(/SNS \S+ml_alerts: abalone model rejected/);
  });

  it("runs the model review pipeline to success when the run is approved", async () => {
    const r = await dagspecRun(["model-review", "--approve"]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.report.state).to.equal("success");
    expect(states(r)).to.deep.equal({
      preprocess: "success",
      train: "success",
      evaluate: "success",
      review: "success",
      model: "success",
      deploy: "success",
    });
    expect(printedSummary(r.stdout).get("review")).to.deep.equal(["success", 1]);
  });

  it("fails the run when a task's AWS calls fail: retries, notifies through SNS, runs nothing downstream", async () => {
    const r = await dagspecRun(["abalone-retrain", "--fail", "crawl"]);
    expect(r.code).to.equal(1);
    expect(r.report.state).to.equal("failed");
    const crawl = r.report.tasks.find((t) => t.task === "crawl")!;
    expect(crawl).to.include({ state: "failed", tries: 3 });
    for (const t of r.report.tasks.filter((t) => t.task !== "crawl")) {
      expect(t, t.task).to.include({ state: "upstream_failed", tries: 0 });
    }
    expect(r.report.failRefused).to.be.at.least(3);
    expect(r.stdout).to.match(/crawl\s+up_for_retry/);
    expect(r.stdout).to.contain("AccessDeniedException");
    expect(printedSummary(r.stdout).get("crawl")).to.deep.equal(["failed", 3]);
    expect(r.report.notifications.map((n) => n.subject)).to.deep.equal([
      "dagspec: abalone-retrain failed",
    ]);
    expect(r.stderr).to.contain("did not succeed");
  });

  it("refuses --fail on a task that makes no AWS call, before starting anything", async () => {
    const child = spawn(process.execPath, [BIN, "run", "abalone-retrain", "--fail", "gate"], {
      cwd: ROOT,
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child.on("close", r));
    expect(code).to.equal(2);
    expect(stderr).to.match(/gate is a metric\.gate task.*tasks that do: crawl, preprocess, train/);
  });
});
