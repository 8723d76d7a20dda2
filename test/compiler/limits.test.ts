// What Airflow or AWS would refuse is a diagnostic. That the limits are the installed
// Airflow's, provider's and botocore's own is checked in fuzz.test.ts, which runs both
// Airflows anyway.

import { expect } from "chai";
import * as limits from "../../compiler/limits";
import { compileSpecs } from "../helpers";

function one(text: string): { code: string; text: string; message: string } {
  const r = compileSpecs({ "p.yaml": text });
  expect(r.diagnostics.length, JSON.stringify(r.diagnostics)).to.equal(1);
  const d = r.diagnostics[0]!;
  expect(r.dags.size).to.equal(0);
  return { code: d.code, text: text.slice(d.range[0], d.range[1]), message: d.message };
}

const task = (extra: string) => `pipeline: p\n${extra}\ntasks:\n  a:\n    empty:\n`;

describe("specs that would not import or run", () => {
  it("need at least one task, whether tasks: is empty or bare", () => {
    for (const text of ["pipeline: p\ntasks: {}\n", "pipeline: p\ntasks:\n"]) {
      expect(one(text)).to.include({ code: "MISSING_KEY", text: "tasks" });
    }
  });

  it("refuse durations Python's timedelta cannot hold, or longer than the setting allows", () => {
    expect(one(task("timeout: 9999999999d"))).to.include({ code: "INVALID_DURATION" });
    expect(one(task("defaults: { retryDelay: 366d }")).code).to.equal("INVALID_DURATION");
    const fn = "functions: { f: { source: lambdas/analyze_results.py, timeout: 16m } }";
    expect(one(task(fn))).to.include({ code: "INVALID_DURATION", text: "16m" });
  });

  it("refuse a tag longer than Airflow's TAG_MAX_LEN", () => {
    const tag = "t".repeat(limits.AIRFLOW_TAG_MAX + 1);
    expect(one(task(`tags: [${tag}]`))).to.include({ code: "INVALID_VALUE", text: tag });
    expect(compileSpecs({ "p.yaml": task(`tags: [${tag.slice(1)}]`) }).diagnostics).to.deep.equal(
      [],
    );
  });

  it("refuse owners that do not fit Airflow's owners column together", () => {
    const owner = (c: string) => c.repeat(1500);
    const text = `pipeline: p\ntasks:\n  a:\n    empty:\n    owner: ${owner("a")}\n  b:\n    empty:\n    owner: ${owner("b")}\n`;
    // Reported at the owner that makes the joined owners too long: task b's.
    const d = compileSpecs({ "p.yaml": text }).diagnostics;
    expect(d.map((x) => `${x.line} ${x.code}`)).to.deep.equal(["8 INVALID_VALUE"]);
  });

  it("refuse whole numbers that would silently change beyond 2^53", () => {
    const d = one(task("params: { big: { type: integer, default: 9007199254740993 } }"));
    expect(d).to.include({ code: "INVALID_VALUE", text: "9007199254740993" });
    const kw =
      'pipeline: p\ntasks:\n  a:\n    python: { callable: "checks:count_rows", kwargs: { n: -9007199254740992 } }\n';
    expect(one(kw).code).to.equal("INVALID_VALUE");
  });

  it("refuse a cron schedule whose day never comes in its months", () => {
    for (const cron of ["0 0 31 2 *", "0 0 30 2 *", "0 0 31 4,6 *"]) {
      expect(one(task(`schedule: "${cron}"`)), cron).to.include({ code: "INVALID_CRON" });
    }
    expect(compileSpecs({ "p.yaml": task('schedule: "0 0 31 */2 *"') }).diagnostics).to.deep.equal(
      [],
    );
  });

  it("refuse SNS subjects that SNS refuses: line breaks, control characters, 100 characters", () => {
    const topic = "topics: { t: {} }\nonFailure: { topic: t, subject: ";
    expect(one(task(`${topic}"two\\nlines" }`)).code).to.equal("INVALID_VALUE");
    expect(one(task(`${topic}${"s".repeat(100)} }`)).code).to.equal("INVALID_VALUE");
    const notify = (subject: string) =>
      `pipeline: p\ntopics: { t: {} }\ntasks:\n  a:\n    notify: { topic: t, subject: ${subject}, message: m }\n`;
    expect(one(notify('"a\\tb ${run.id}"')).code).to.equal("INVALID_VALUE");
    expect(
      compileSpecs({ "p.yaml": notify('"Run ${run.id} {{ done }}"') }).diagnostics,
    ).to.deep.equal([]);
  });

  it("refuse SageMaker and Glue settings past their service limits", () => {
    const job = (args: string) =>
      `pipeline: p\ntasks:\n  a:\n    sagemaker.processing: { image: i${args} }\n`;
    expect(one(job(", maxRuntime: 10d")).code).to.equal("INVALID_DURATION");
    const inputs = Array.from({ length: 10 }, (_, i) => `i${i}: "s3://b/${i}/"`).join(", ");
    expect(one(job(`, script: ml-scripts/evaluate.py, inputs: { ${inputs} }`)).code).to.equal(
      "INVALID_VALUE",
    );
    const glue =
      "pipeline: p\ntasks:\n  a:\n    glue.job: { script: glue-jobs/etl.py, timeout: 8d }\n";
    expect(one(glue)).to.include({ code: "INVALID_DURATION", text: "8d" });
  });
});
