// What Airflow or AWS would refuse is a diagnostic, and the limits are the installed Airflow's,
// provider's and botocore's own (read from both Airflow virtualenvs), as is the table of
// fields Airflow renders.

import { expect } from "chai";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pythonEnv } from "../../cli/paths";
import { AIRFLOW_TARGETS, type AirflowTarget } from "../../compiler/ir";
import * as limits from "../../compiler/limits";
import { EXPECTED, FIXTURES, ROOT, UPDATE_GOLDEN, cases, compileSpecs } from "../helpers";

const TABLE = path.join(ROOT, "compiler", "emit", "template-fields.json");

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

/** The operator and notifier classes a compiled DAG imports. */
function classesIn(dag: string): Set<string> {
  const out = new Set<string>();
  for (const m of dag.matchAll(/^from (\S+) import (?:\(([^)]*)\)|([^(\n]+)$)/gm)) {
    for (const name of (m[2] ?? m[3]!).split(/[\s,]+/).filter(Boolean)) {
      if (/(Operator|Sensor|Notifier)$/.test(name)) out.add(`${m[1]}:${name}`);
    }
  }
  return out;
}

function facts(target: AirflowTarget, classes: string[]): Record<string, unknown> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "dagspec-facts-"));
  try {
    const out = execFileSync(
      path.join(pythonEnv(`airflow-${target}`), "bin", "python"),
      [path.join(ROOT, "test", "airflow", "facts.py"), ...classes],
      { encoding: "utf8", env: { ...process.env, AIRFLOW_HOME: home, PYTHONWARNINGS: "ignore" } },
    );
    return JSON.parse(out) as Record<string, unknown>;
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

describe("the limits and the rendered-field table", function () {
  this.timeout(300_000);
  const table = JSON.parse(fs.readFileSync(TABLE, "utf8")) as Record<string, unknown>;
  const fresh: Record<string, unknown> = {};
  after(() => {
    if (UPDATE_GOLDEN && Object.keys(fresh).length === AIRFLOW_TARGETS.length)
      fs.writeFileSync(TABLE, JSON.stringify(fresh, null, 2) + "\n");
  });

  for (const target of AIRFLOW_TARGETS) {
    it(`are those of the installed Airflow ${target}, its provider and botocore`, () => {
      const folder = target === "2.10" ? "valid" : `valid-airflow${target}`;
      const classes = new Set<string>();
      for (const name of cases(path.join(FIXTURES, "valid"))) {
        for (const c of classesIn(
          fs.readFileSync(path.join(EXPECTED, folder, `${name}.py`), "utf8"),
        ))
          classes.add(c);
      }
      // onFailure's notifier is imported only where a fixture declares one; add it.
      classes.add("airflow.providers.amazon.aws.notifications.sns:SnsNotifier");
      const f = facts(target, [...classes].sort()) as {
        tag_max_len: number;
        owners_length: number;
        botocore: Record<string, { max?: number }>;
        classes: Record<string, unknown>;
      };
      expect(f.tag_max_len).to.equal(limits.AIRFLOW_TAG_MAX);
      expect(f.owners_length).to.equal(limits.AIRFLOW_OWNERS_MAX);
      const b = f.botocore;
      expect(b["ProcessingMaxRuntimeInSeconds"]!.max).to.equal(
        limits.SAGEMAKER_PROCESSING_RUNTIME_MAX,
      );
      expect(b["HyperParameterKey"]!.max).to.equal(limits.SAGEMAKER_HYPERPARAMETER_KEY_MAX);
      expect(b["HyperParameterValue"]!.max).to.equal(limits.SAGEMAKER_HYPERPARAMETER_VALUE_MAX);
      expect(b["HyperParameters"]!.max).to.equal(limits.SAGEMAKER_HYPERPARAMETERS_MAX);
      expect(b["ProcessingInputs"]!.max).to.equal(limits.SAGEMAKER_PROCESSING_INPUTS_MAX);
      expect(b["ProcessingOutputs"]!.max).to.equal(limits.SAGEMAKER_PROCESSING_OUTPUTS_MAX);
      expect(b["InputDataConfig"]!.max).to.equal(limits.SAGEMAKER_CHANNELS_MAX);
      expect(b["NameString"]!.max).to.equal(limits.GLUE_NAME_MAX);
      fresh[target] = f.classes;
      // The emitter's table is exactly what the providers say, for every class it emits.
      expect(
        table[target],
        "compiler/emit/template-fields.json (UPDATE_GOLDEN=1 rewrites it)",
      ).to.deep.equal(f.classes);
    });
  }
});
