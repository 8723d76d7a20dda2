// What a user sees of a mistake: where it is, what it names, and that nothing in a spec can
// take over the terminal or bury the message.

import { expect } from "chai";
import * as fc from "fast-check";
import * as fs from "node:fs";
import * as path from "node:path";
import { CODES, SourceFile, formatDiagnostic, quote } from "../../compiler/diagnostics";
import { diagnosticsDocText } from "../../compiler/diagnostics-doc";
import { ROOT, compileSpecs } from "../helpers";

function compile(text: string) {
  const r = compileSpecs({ "p.yaml": text });
  return r.diagnostics.map((d) => ({ ...d, text: text.slice(d.range[0], d.range[1]) }));
}

describe("diagnostics", () => {
  it("report a duplicate key after an entry without a value at the key, naming it", () => {
    const text = "pipeline: p\ntasks:\n  empty:\n  a:\n    empty:\n  empty:\n    empty:\n";
    const [d, ...rest] = compile(text);
    expect(rest).to.deep.equal([]);
    expect([d!.line, d!.col, d!.code, d!.text]).to.deep.equal([6, 3, "DUPLICATE_KEY", "empty"]);
    expect(d!.message).to.contain('duplicate key "empty": it is already defined on line 3');
  });

  it("report every bad ${...} of a task, not only the first", () => {
    const text = [
      "pipeline: p",
      "params: { limit: { type: integer, default: 1 } }",
      "tasks:",
      "  a:",
      "    glue.job:",
      "      script: glue-jobs/etl.py",
      "      arguments:",
      '        --a: "${params.limt} and ${run.dat}"',
      '        --b: "${datasets.nope.uri}"',
      "  b:",
      '    python: { callable: "checks:count_rows", kwargs: { x: "${params.lmit}", y: ["${nope.x}"] } }',
      "",
    ].join("\n");
    const shown = compile(text).map((d) => `${d.code} ${d.text}`);
    expect(shown).to.deep.equal([
      "UNKNOWN_REFERENCE ${params.limt}",
      "UNKNOWN_REFERENCE ${run.dat}",
      "UNKNOWN_REFERENCE ${datasets.nope.uri}",
      // Plain values point at the whole value.
      'UNKNOWN_REFERENCE { x: "${params.lmit}", y: ["${nope.x}"] }',
      'UNKNOWN_REFERENCE { x: "${params.lmit}", y: ["${nope.x}"] }',
    ]);
    // Malformed references are found while reading, before any is resolved: all of them too.
    const malformed = compile(
      'pipeline: p\ntasks:\n  a:\n    glue.job: { script: glue-jobs/etl.py, arguments: { --c: "${1bad} ${also bad} ${ok.x}" } }\n',
    );
    expect(malformed.map((d) => `${d.code} ${d.text}`)).to.deep.equal([
      "UNKNOWN_REFERENCE ${1bad}",
      "UNKNOWN_REFERENCE ${also bad}",
    ]);
  });

  it("suggest the best candidate of all unknown keys, as text and as an edit", () => {
    const text = "pipeline: p\ntasks:\n  a:\n    aftr: []\n    emtpy:\n";
    const [d] = compile(text);
    expect(d!.message).to.contain('found "emtpy"; did you mean "empty"?');
    expect(d!.text).to.equal("emtpy");
    expect(d!.suggestion).to.deep.equal({
      message: 'did you mean "empty"?',
      replace: { range: d!.range, text: "empty" },
    });
  });

  it("give a did-you-mean for a reference as an edit of the whole reference", () => {
    const text =
      'pipeline: p\nparams: { limit: { type: integer, default: 1 } }\ntasks:\n  a:\n    glue.job: { script: glue-jobs/etl.py, arguments: { --a: "${params.limt}" } }\n';
    const [d] = compile(text);
    expect(d!.suggestion?.replace?.text).to.equal("${params.limit}");
    expect(d!.text).to.equal("${params.limt}");
  });

  it("never suggest a key the mapping already has", () => {
    const [d] = compile("pipeline: p\ntasks:\n  a:\n    empty:\n    retries: 1\n    retrie: 2\n");
    expect(d!.message).to.equal('unknown key "retrie"');
  });

  it("quote, escape and cut values from the spec in messages (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (s) => {
        const q = quote(s);
        // No control character, separator or bidi override survives; long values are cut.
        expect(q).to.not.match(
          // eslint-disable-next-line no-control-regex
          /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/,
        );
        expect(q.length).to.be.lessThan(60 * 6 + 40);
        expect(q.startsWith('"')).to.equal(true);
      }),
      { seed: 9, numRuns: 1000 },
    );
  });

  it("print a line of a binary-looking spec as a short excerpt with a short pointer", () => {
    const junk = "x".repeat(2000) + "\u001b[2J" + "y".repeat(2000);
    const text = `pipeline: p\ndescription: [${junk}\n`;
    const r = compileSpecs({ "p.yaml": text });
    expect(r.diagnostics).to.not.be.empty;
    for (const d of r.diagnostics) {
      const out = formatDiagnostic(d, r.sources.get(d.file));
      expect(out).to.not.contain("\u001b");
      for (const line of out.split("\n")) expect(line.length, line).to.be.lessThan(500);
    }
  });

  it("escape control characters a YAML escape put into a value before printing it", () => {
    const text = 'pipeline: p\ntasks:\n  a:\n    empty:\n    triggerRule: "\\e[31mall_sucess"\n';
    const r = compileSpecs({ "p.yaml": text });
    const out = formatDiagnostic(r.diagnostics[0]!, r.sources.get("dags-src/p.yaml"));
    expect(out).to.contain('"\\x1b[31mall_sucess" is not one of');
    expect(out).to.not.contain("\u001b");
  });

  it("keep the caret under the range when the line holds tabs and a long prefix", () => {
    const line = `${"a".repeat(300)}\tTARGET rest`;
    const source = new SourceFile("f.yaml", line);
    const at = line.indexOf("TARGET");
    const out = formatDiagnostic(
      { ...source.location([at, at + 6]), code: "INVALID_VALUE", severity: "error", message: "m" },
      source,
    );
    const [, excerpt, caret] = out.split("\n") as [string, string, string];
    expect(excerpt.slice(caret.indexOf("^"), caret.indexOf("^") + 6)).to.equal("TARGET");
    expect(caret.trimEnd().endsWith("^^^^^^")).to.equal(true);
  });

  it("are documented in docs/diagnostics.md, generated from the table of codes", () => {
    const doc = fs.readFileSync(path.join(ROOT, "docs", "diagnostics.md"), "utf8");
    expect(doc).to.equal(diagnosticsDocText());
    for (const code of Object.keys(CODES)) expect(doc).to.contain(`\`${code}\``);
    // Every code the compiler can report is in the table: the union is the table's keys.
    const used = new Set<string>();
    for (const dir of ["compiler", "compiler/kinds", "compiler/emit"]) {
      for (const f of fs.readdirSync(path.join(ROOT, dir)).filter((n) => n.endsWith(".ts"))) {
        const src = fs.readFileSync(path.join(ROOT, dir, f), "utf8");
        for (const m of src.matchAll(/"([A-Z]+(?:_[A-Z]+)*)"/g)) used.add(m[1]!);
      }
    }
    const reported = [...used].filter((c) => c in CODES);
    expect(reported.sort()).to.deep.equal(Object.keys(CODES).sort());
  });
});
