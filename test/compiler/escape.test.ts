// Property tests for the one escaper: random strings, heavy on quotes, backslashes, newlines,
// Jinja braces and unicode, must come back exactly from real Python (ast.literal_eval) and,
// in templated fields, from Airflow's own Jinja environment.

import { expect } from "chai";
import { execFileSync } from "node:child_process";
import * as fc from "fast-check";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pythonEnv } from "../../cli/paths";
import { jinjaText, pyString } from "../../compiler/emit/python";
import { ROOT, compileSpecs } from "../helpers";

const TOKENS = [
  '"',
  "'",
  '"""',
  "'''",
  "\\",
  "\\n",
  "\n",
  "\r",
  "\r\n",
  "\t",
  "\0",
  "{{",
  "}}",
  "{%",
  "%}",
  "{#",
  "#}",
  "${",
  "$${",
  "$",
  "{",
  "}",
  "\u2028",
  "\u0085",
  "\ufeff",
  "é",
  "漢字",
  "🚀",
  "\u{10ffff}",
  " ",
];
const LONE_SURROGATES = ["\ud800", "\udfff"];

const tricky = (extra: string[] = []) =>
  fc
    .array(
      fc.oneof(fc.constantFrom(...TOKENS, ...extra), fc.string({ unit: "binary", maxLength: 4 })),
      {
        maxLength: 12,
      },
    )
    .map((parts) => parts.join(""));

/** A YAML double-quoted scalar for `s`, with everything outside printable ASCII escaped. */
function yamlQuoted(s: string): string {
  return JSON.stringify(s).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Template fields read `${` as a reference; `$$` writes a literal `$`. */
const asTemplate = (s: string) => s.replace(/\$/g, "$$$$");

function runChecker(cases: object): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dagspec-escape-"));
  const file = path.join(dir, "cases.json");
  fs.writeFileSync(file, JSON.stringify(cases));
  try {
    return execFileSync(
      path.join(pythonEnv("airflow-2.10"), "bin", "python"),
      [path.join(ROOT, "test", "airflow", "check_literals.py"), file],
      {
        encoding: "utf8",
        env: { ...process.env, AIRFLOW_HOME: path.join(dir, "home"), PYTHONWARNINGS: "ignore" },
      },
    );
  } catch (e) {
    throw new Error(`escape check failed:\n${(e as { stdout?: string }).stdout ?? String(e)}`, {
      cause: e,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("the escaper", function () {
  this.timeout(300_000);

  it("writes 3,000 random strings as Python literals that evaluate to the same string", () => {
    const strings = fc.sample(tricky(LONE_SURROGATES), { numRuns: 3000, seed: 20261122 });
    const out = runChecker({ strings: strings.map((s) => [pyString(s), s]) });
    expect(out).to.match(/checked 3000 values: 0 failure/);
  });

  it("writes 3,000 random strings as templates that Airflow's Jinja renders back unchanged", () => {
    const strings = fc.sample(tricky(), { numRuns: 3000, seed: 7 }).filter((s) => s.isWellFormed());
    const out = runChecker({
      templates: strings.map((s) => [pyString(jinjaText([{ kind: "literal", text: s }])), s]),
    });
    expect(out).to.match(new RegExp(`checked ${strings.length} values: 0 failure`));
    expect(strings.length).to.be.greaterThan(2900);
  });

  it("keeps random strings in every string field of a spec exact in the compiled DAG", () => {
    const text = () => tricky().filter((s) => s.isWellFormed());
    const nonEmpty = () => text().filter((s) => s.length > 0);
    const fields = fc.record({
      description: text(),
      tag: nonEmpty(),
      owner: nonEmpty(),
      paramDefault: text(),
      paramDescription: text(),
      taskDoc: text(),
      arg: text(),
      kwarg: text(),
      datasetDescription: text(),
    });
    const samples = fc.sample(fields, { numRuns: 300, seed: 42 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dagspec-escape-specs-"));
    const files: [string, object][] = [];
    samples.forEach((f, i) => {
      const spec = [
        `pipeline: p${i}`,
        `description: ${yamlQuoted(f.description)}`,
        `tags: [${yamlQuoted(f.tag)}]`,
        `defaults: { owner: ${yamlQuoted(f.owner)} }`,
        `params:`,
        `  p: { type: string, default: ${yamlQuoted(f.paramDefault)}, description: ${yamlQuoted(f.paramDescription)} }`,
        `datasets:`,
        `  d: { key: a/b.csv, description: ${yamlQuoted(f.datasetDescription)} }`,
        `tasks:`,
        `  job:`,
        `    glue.job:`,
        `      script: glue-jobs/etl.py`,
        `      arguments: { --arg: ${yamlQuoted(asTemplate(f.arg))}, --ref: ${yamlQuoted(asTemplate(f.arg) + "${datasets.d.path}")} }`,
        `    doc: ${yamlQuoted(f.taskDoc)}`,
        `  call:`,
        `    python: { callable: "checks:count_rows", kwargs: { table: ${yamlQuoted(asTemplate(f.kwarg))} } }`,
        ``,
      ].join("\n");
      const result = compileSpecs({ [`p${i}.yaml`]: spec });
      expect(result.diagnostics, `spec ${i}:\n${spec}`).to.deep.equal([]);
      const file = path.join(dir, `p${i}.py`);
      fs.writeFileSync(file, result.dags.get(`p${i}.py`)!);
      files.push([
        file,
        {
          description: f.description,
          tags: [f.tag],
          owner: f.owner,
          param_default: f.paramDefault,
          param_description: f.paramDescription,
          task_doc: f.taskDoc,
          script_args: { "--arg": f.arg, "--ref": f.arg + "a/b.csv" },
          kwargs: { table: f.kwarg },
          spec_text: spec,
        },
      ]);
    });
    try {
      const out = runChecker({ files });
      // 10 values per spec: 8 fields, two of them in two places.
      expect(out).to.match(new RegExp(`checked ${samples.length * 10} values: 0 failure`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
