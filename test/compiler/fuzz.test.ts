// The fuzz and property tests (fixed seeds, a bounded number of cases): mutated fixtures and
// specs built with values across every limit go through the compiler, which must answer each
// with a DAG or positioned diagnostics, never an exception; then a sample of what it accepts,
// and a spec with a hostile string in every free-text field, are imported, scheduled and
// rendered in real Airflow, both targets, one Python process each.

import { expect } from "chai";
import { execFileSync } from "node:child_process";
import * as fc from "fast-check";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pythonEnv, runtimeSource } from "../../cli/paths";
import { main } from "../../cli/main";
import { compileProject, type CompileResult } from "../../compiler/compile";
import { CODES, formatDiagnostic } from "../../compiler/diagnostics";
import { AIRFLOW_TARGETS, type AirflowTarget } from "../../compiler/ir";
import * as limits from "../../compiler/limits";
import { memoryProject } from "../../compiler/project";
import { EXPECTED, FIXTURES, ROOT, UPDATE_GOLDEN, cases } from "../helpers";
import { generated, hostileSpec, mutated } from "./fuzz-specs";

const MUTATED = 1500;
const GENERATED = 300;
/** How many accepted specs of each kind are imported in Airflow. */
const SAMPLE = 25;

const SUPPORT = (() => {
  const out: Record<string, string> = {};
  const walk = (dir: string, rel: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(dir, e.name), `${rel}${e.name}/`);
      else out[`${rel}${e.name}`] = fs.readFileSync(path.join(dir, e.name), "utf8");
    }
  };
  walk(path.join(FIXTURES, "files"), "");
  return out;
})();

function compile(text: string, target: AirflowTarget, name = "p.yaml"): CompileResult {
  return compileProject(memoryProject({ ...SUPPORT, [`dags-src/${name}`]: text }), {
    target,
    runtime: runtimeSource(),
  });
}

/** What must hold of any compile, accepted or not. */
function checkAnswer(text: string, r: CompileResult): void {
  const lines = text.split("\n").length;
  for (const d of r.diagnostics) {
    expect(d.code in CODES, d.code).to.equal(true);
    expect(d.line).to.be.within(1, lines);
    expect(d.col).to.be.at.least(1);
    expect(d.range[0]).to.be.within(0, text.length);
    expect(d.range[1]).to.be.within(d.range[0], text.length);
    expect(r.sources.get(d.file)!.location(d.range).line).to.equal(d.line);
    const shown = formatDiagnostic(d, r.sources.get(d.file));
    // eslint-disable-next-line no-control-regex
    expect(shown).to.not.match(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  }
  if (r.diagnostics.length) expect(r.dags.size, "nothing is produced on error").to.equal(0);
  else expect(r.pipelines).to.have.length(1);
}

/** A spec with its pipeline id replaced, so sampled DAGs do not share one. */
function renamed(text: string, id: string): string | undefined {
  return /^pipeline: .*$/m.test(text)
    ? text.replace(/^pipeline: .*$/m, `pipeline: ${id}`)
    : undefined;
}

interface Corpus {
  accepted: { mutated: number; generated: number };
  rejected: { mutated: number; generated: number };
  errors: string[];
  samples: Map<string, string>;
}

function runCorpus(): Corpus {
  const corpus: Corpus = {
    accepted: { mutated: 0, generated: 0 },
    rejected: { mutated: 0, generated: 0 },
    errors: [],
    samples: new Map(),
  };
  const sets = [
    ["mutated", fc.sample(mutated, { numRuns: MUTATED, seed: 20261202 })],
    ["generated", fc.sample(generated, { numRuns: GENERATED, seed: 1102 })],
  ] as const;
  for (const [kind, texts] of sets) {
    let sampled = 0;
    texts.forEach((text, i) => {
      let r: CompileResult;
      try {
        r = compile(text, "2.10");
        checkAnswer(text, r);
      } catch (e) {
        corpus.errors.push(`${kind} case ${i}: ${(e as Error).message}\n${text}`);
        return;
      }
      if (r.diagnostics.length) {
        corpus.rejected[kind]++;
        return;
      }
      corpus.accepted[kind]++;
      const id = `${kind}_${i}`;
      const again = sampled < SAMPLE ? renamed(text, id) : undefined;
      if (again !== undefined && compile(again, "2.10").diagnostics.length === 0) {
        corpus.samples.set(id, again);
        sampled++;
      }
    });
  }
  return corpus;
}

interface AirflowResult {
  facts: {
    tag_max_len: number;
    owners_length: number;
    botocore: Record<string, { max?: number }>;
    classes: Record<string, unknown>;
  };
  import_errors: Record<string, string>;
  problems: Record<string, string[]>;
}

/** Compiles the sample and the hostile spec for a target and checks them in its Airflow. */
function checkInAirflow(target: AirflowTarget, samples: Map<string, string>): AirflowResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dagspec-fuzz-${target}-`));
  const dags = path.join(dir, "dags");
  try {
    const files: Record<string, string[]> = {};
    const write = (r: CompileResult, strings: string[]) => {
      expect(r.diagnostics, JSON.stringify(r.diagnostics.slice(0, 3))).to.deep.equal([]);
      for (const [rel, content] of r.dags) {
        fs.mkdirSync(path.dirname(path.join(dags, rel)), { recursive: true });
        fs.writeFileSync(path.join(dags, rel), content);
        if (/^[a-z].*\.py$/.test(rel) && !rel.includes("/") && !rel.startsWith("dagspec"))
          files[rel] = strings;
      }
    };
    const hostile = hostileSpec("hostile");
    write(compile(hostile.text, target, "hostile.yaml"), hostile.strings);
    for (const [id, text] of samples) write(compile(text, target, `${id}.yaml`), []);
    const cases = path.join(dir, "cases.json");
    fs.writeFileSync(cases, JSON.stringify({ classes: emittedClasses(target), files }));
    const out = path.join(dir, "out.json");
    execFileSync(
      path.join(pythonEnv(`airflow-${target}`), "bin", "python"),
      [path.join(ROOT, "test", "airflow", "check_compiled.py"), dags, cases, out],
      {
        env: { ...process.env, AIRFLOW_HOME: path.join(dir, "home"), PYTHONWARNINGS: "ignore" },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    const result = JSON.parse(fs.readFileSync(out, "utf8")) as AirflowResult;
    expect(Object.keys(files).length).to.equal(samples.size + 1);
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The operator and notifier classes the golden DAGs of a target import. */
function emittedClasses(target: AirflowTarget): string[] {
  const folder = target === "2.10" ? "valid" : `valid-airflow${target}`;
  const out = new Set(["airflow.providers.amazon.aws.notifications.sns:SnsNotifier"]);
  for (const name of cases(path.join(FIXTURES, "valid"))) {
    const dag = fs.readFileSync(path.join(EXPECTED, folder, `${name}.py`), "utf8");
    for (const m of dag.matchAll(/^from (\S+) import (?:\(([^)]*)\)|([^(\n]+)$)/gm)) {
      for (const n of (m[2] ?? m[3]!).split(/[\s,]+/).filter(Boolean))
        if (/(Operator|Sensor|Notifier)$/.test(n)) out.add(`${m[1]}:${n}`);
    }
  }
  return [...out].sort();
}

describe("fuzzed and generated specs", function () {
  this.timeout(600_000);
  let corpus: Corpus;
  const airflow = new Map<AirflowTarget, AirflowResult>();
  before(() => {
    corpus = runCorpus();
    for (const target of AIRFLOW_TARGETS)
      airflow.set(target, checkInAirflow(target, corpus.samples));
  });

  it(`get a DAG or positioned diagnostics, never an exception (${MUTATED} mutated, ${GENERATED} generated)`, () => {
    expect(corpus.errors.slice(0, 3)).to.deep.equal([]);
    // The corpus is worth something only if it reaches both answers.
    expect(corpus.accepted.mutated + corpus.accepted.generated).to.be.greaterThan(100);
    expect(corpus.rejected.mutated + corpus.rejected.generated).to.be.greaterThan(500);
    expect(corpus.samples.size).to.be.greaterThan(SAMPLE);
  });

  for (const target of AIRFLOW_TARGETS) {
    it(`import, serialize, schedule and render in Airflow ${target} when accepted`, () => {
      const r = airflow.get(target)!;
      expect(r.import_errors).to.deep.equal({});
      const problems = Object.entries(r.problems).filter(([f]) => f !== "hostile.py");
      expect(problems).to.deep.equal([]);
    });

    it(`render a hostile string in every spec field back literally in Airflow ${target}`, () => {
      const r = airflow.get(target)!;
      expect(r.import_errors).to.deep.equal({});
      expect(r.problems["hostile.py"] ?? []).to.deep.equal([]);
    });

    it(`use the limits and rendered fields of the installed Airflow ${target} and botocore`, () => {
      const f = airflow.get(target)!.facts;
      expect(f.tag_max_len).to.equal(limits.AIRFLOW_TAG_MAX);
      expect(f.owners_length).to.equal(limits.AIRFLOW_OWNERS_MAX);
      const max = (name: string) => f.botocore[name]!.max;
      expect(max("ProcessingMaxRuntimeInSeconds")).to.equal(
        limits.SAGEMAKER_PROCESSING_RUNTIME_MAX,
      );
      expect(max("HyperParameterKey")).to.equal(limits.SAGEMAKER_HYPERPARAMETER_KEY_MAX);
      expect(max("HyperParameterValue")).to.equal(limits.SAGEMAKER_HYPERPARAMETER_VALUE_MAX);
      expect(max("HyperParameters")).to.equal(limits.SAGEMAKER_HYPERPARAMETERS_MAX);
      expect(max("ProcessingInputs")).to.equal(limits.SAGEMAKER_PROCESSING_INPUTS_MAX);
      expect(max("ProcessingOutputs")).to.equal(limits.SAGEMAKER_PROCESSING_OUTPUTS_MAX);
      expect(max("InputDataConfig")).to.equal(limits.SAGEMAKER_CHANNELS_MAX);
      expect(max("NameString")).to.equal(limits.GLUE_NAME_MAX);
      const table = path.join(ROOT, "compiler", "emit", "template-fields.json");
      const known = JSON.parse(fs.readFileSync(table, "utf8")) as Record<string, unknown>;
      if (UPDATE_GOLDEN) {
        known[target] = f.classes;
        fs.writeFileSync(table, JSON.stringify(known, null, 2) + "\n");
      }
      // The emitter's table is what the providers say, for exactly the classes it emits.
      expect(known[target], `${table} (UPDATE_GOLDEN=1 rewrites it)`).to.deep.equal(f.classes);
    });
  }

  it("leave the project untouched when the CLI meets a spec with an error", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dagspec-fuzz-cli-"));
    const write = process.stdout.write;
    const writeErr = process.stderr.write;
    try {
      fs.cpSync(path.join(FIXTURES, "files"), dir, { recursive: true });
      fs.copyFileSync(
        path.join(FIXTURES, "valid", "fan-in.yaml"),
        path.join(dir, "dags-src", "ok.yaml"),
      );
      process.stdout.write = () => true;
      expect(main(["compile", "--root", dir])).to.equal(0);
      const bad = fc
        .sample(mutated, { numRuns: 200, seed: 77 })
        .filter((t) => compile(t, "2.10").diagnostics.length);
      const before = snapshot(dir);
      process.stderr.write = () => true;
      for (const text of bad.slice(0, 20)) {
        fs.writeFileSync(path.join(dir, "dags-src", "bad.yaml"), text);
        expect(main(["compile", "--root", dir])).to.equal(1);
        fs.rmSync(path.join(dir, "dags-src", "bad.yaml"));
        expect(snapshot(dir)).to.deep.equal(before);
      }
    } finally {
      process.stdout.write = write;
      process.stderr.write = writeErr;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) {
      const abs = path.join(e.parentPath, e.name);
      out[path.relative(dir, abs)] = fs.readFileSync(abs, "utf8");
    }
  }
  return out;
}
