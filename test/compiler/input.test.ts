// Hostile and careless input at the parse stage: shapes that once hung the compiler, alias
// bombs, merge keys, bytes that are not UTF-8, odd file names and paths out of the project.

import { expect } from "chai";
import * as fc from "fast-check";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runtimeSource } from "../../cli/paths";
import { compileProject } from "../../compiler/compile";
import { decodeUtf8 } from "../../compiler/encoding";
import { header } from "../../compiler/emit/dag";
import { diskProject } from "../../compiler/project";
import { FIXTURES, compileSpecs } from "../helpers";

const TASK = "pipeline: p\ntasks:\n  a:\n    empty:\n";

function codes(text: string, name = "p.yaml"): string[] {
  return compileSpecs({ [name]: text }).diagnostics.map((d) => `${d.line}:${d.col} ${d.code}`);
}

function only(text: string) {
  const r = compileSpecs({ "p.yaml": text });
  expect(r.diagnostics.length, JSON.stringify(r.diagnostics)).to.equal(1);
  return r.diagnostics[0]!;
}

describe("specs shaped like the ones that hung the parse stage", () => {
  // The old empty-file regex took 2^n steps for n comment lines: 40 lines would never end.
  // These sizes finish at once in linear time; eslint-plugin-regexp proves every literal
  // regex of the project free of that shape (bench/compile prints the scaling ratios).
  const shapes: Record<string, (n: number) => string> = {
    "a comment header": (n) => "# licence line\n".repeat(n),
    "a run of blank lines": (n) => "\n".repeat(n),
    "indented blank lines": (n) => "   \t \n".repeat(n),
    "comments indented and CRLF": (n) => "  # note\r\n\r\n".repeat(n),
  };
  for (const [name, shape] of Object.entries(shapes)) {
    it(`compiles a spec after ${name} of 20,000 lines, and calls the same alone empty`, () => {
      expect(codes(shape(20_000) + TASK)).to.deep.equal([]);
      expect(codes(shape(20_000))).to.deep.equal(["1:1 EMPTY_FILE"]);
    });
  }

  it("calls a file of document markers only empty", () => {
    expect(codes("---\n...\n")).to.deep.equal(["1:1 EMPTY_FILE"]);
  });
});

describe("aliases", () => {
  const laughs = [
    "pipeline: p",
    "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
    ...["b", "c", "d", "e", "f", "g", "h", "i"].map(
      (n, i) => `${n}: &${n} [${Array(9).fill(`*${"abcdefgh"[i]}`).join(", ")}]`,
    ),
    "tasks:",
    "  t:",
    '    python: { callable: "checks:count_rows", kwargs: { table: *i } }',
    "",
  ].join("\n");

  it("stop a billion laughs at the alias that passes the bound", () => {
    expect(laughs.length).to.be.lessThan(800);
    const d = only(laughs);
    expect(d.code).to.equal("ALIAS_EXPANSION");
    expect(laughs.slice(d.range[0], d.range[1])).to.match(/^\*[a-h]$/);
  });

  it("refuse an anchor that holds its own alias", () => {
    const d = only(
      TASK.replace("empty:", 'python: { callable: "checks:count_rows", kwargs: &k { x: [*k] } }'),
    );
    expect(d.code).to.equal("ALIAS_EXPANSION");
    expect(d.message).to.contain("*k refers to a node that holds it");
  });

  it("expand to at most the bound or stop at an alias, whatever the nesting (property)", () => {
    // Random towers of anchors, each level aliasing the one below k times.
    const tower = fc.record({
      levels: fc.integer({ min: 1, max: 12 }),
      copies: fc.integer({ min: 1, max: 12 }),
      leaf: fc.string({ minLength: 1, maxLength: 40 }),
      where: fc.constantFrom("kwargs", "conf"),
    });
    fc.assert(
      fc.property(tower, ({ levels, copies, leaf, where }) => {
        const lines = ["pipeline: p", `l0: &l0 ${JSON.stringify(leaf)}`];
        for (let i = 1; i <= levels; i++)
          lines.push(
            `l${i}: &l${i} [${Array(copies)
              .fill(`*l${i - 1}`)
              .join(", ")}]`,
          );
        lines.push(
          "tasks:",
          "  t:",
          where === "kwargs"
            ? `    python: { callable: "checks:count_rows", kwargs: { x: *l${levels} } }`
            : `    trigger.dag: { pipeline: p, conf: { x: *l${levels} } }`,
          "",
        );
        const text = lines.join("\n");
        const r = compileSpecs({ "p.yaml": text });
        if (r.diagnostics.length === 0) {
          expect(r.dags.get("p.py")!.length).to.be.lessThan(12_000_000);
          return;
        }
        // Other diagnostics (unknown top-level keys l0...) come with it; the bomb is caught.
        const bomb = r.diagnostics.filter((d) => d.code === "ALIAS_EXPANSION");
        const expands = (leaf.length + 1) * copies ** levels;
        if (expands > 2_000_000) expect(bomb).to.have.length(1);
        for (const d of bomb) expect(text.slice(d.range[0], d.range[1])).to.match(/^\*l\d+$/);
      }),
      { seed: 11, numRuns: 60 },
    );
  });
});

describe("merge keys", () => {
  it("merge a mapping into tasks, settings and kwargs, the mapping's own keys winning", () => {
    const spec = [
      "pipeline: p",
      "x-settings: &settings { retries: 5, owner: team }",
      "defaults:",
      "  <<: *settings",
      "  owner: ml",
      "tasks:",
      "  a: &task",
      "    empty:",
      "    retries: 1",
      "  b:",
      "    <<: *task",
      "    after: [a]",
      "  c:",
      '    python: { callable: "checks:count_rows", kwargs: { <<: { table: t, minimum: 1 }, minimum: 2 } }',
      "",
    ].join("\n");
    // The top-level x-settings key is unknown; everything else reads through the merges.
    const r = compileSpecs({ "p.yaml": spec });
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code}`)).to.deep.equal([
      "2:1 UNKNOWN_KEY",
    ]);
    const ok = compileSpecs({
      "p.yaml": spec.replace("x-settings: &settings", "description: &settings"),
    });
    expect(ok.diagnostics.map((d) => d.code)).to.deep.equal(["WRONG_TYPE"]);
    const fixed = spec.replace(
      "x-settings: &settings { retries: 5, owner: team }\ndefaults:\n  <<: *settings\n",
      "defaults:\n  <<: &settings { retries: 5, owner: team }\n",
    );
    const good = compileSpecs({ "p.yaml": fixed });
    expect(good.diagnostics).to.deep.equal([]);
    const [pipeline] = good.pipelines;
    expect(pipeline!.defaults).to.include({ retries: 5, owner: "ml" });
    expect(pipeline!.tasks.map((t) => [t.id, t.settings.retries, t.upstream])).to.deep.equal([
      ["a", 1, []],
      ["b", 1, ["a"]],
      ["c", undefined, []],
    ]);
    const c = pipeline!.tasks.find((t) => t.id === "c")!.op as { kwargs: [string, unknown][] };
    expect(c.kwargs.map(([k]) => k)).to.deep.equal(["table", "minimum"]);
    expect(c.kwargs[1]![1]).to.deep.equal({ kind: "number", value: 2 });
  });

  it("report a bad key merged from an anchor where it is written", () => {
    const spec = "pipeline: p\ntasks:\n  a:\n    <<: { empty: , retrys: 2 }\n";
    const d = only(spec);
    expect(d.code).to.equal("UNKNOWN_KEY");
    expect(spec.slice(d.range[0], d.range[1])).to.equal("retrys");
  });

  it("refuse << with something that is not a mapping, at the value", () => {
    const spec = "pipeline: p\ntasks:\n  a:\n    empty:\n    <<: 3\n";
    const d = only(spec);
    expect([d.code, spec.slice(d.range[0], d.range[1])]).to.deep.equal(["WRONG_TYPE", "3"]);
  });
});

describe("encodings", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dagspec-bytes-"));
    fs.cpSync(path.join(FIXTURES, "files"), dir, { recursive: true });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const compileBytes = (bytes: Buffer) => {
    fs.writeFileSync(path.join(dir, "dags-src", "p.yaml"), bytes);
    return compileProject(diskProject(dir), { target: "2.10", runtime: runtimeSource() });
  };

  it("report a byte that is not UTF-8 at its line and column, not as U+FFFD", () => {
    const bytes = Buffer.concat([
      Buffer.from("pipeline: p\ndescription: caf"),
      Buffer.from([0xe9]),
      Buffer.from("\n" + TASK.slice(12)),
    ]);
    const r = compileBytes(bytes);
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`)).to.deep.equal([
      "2:17 INVALID_ENCODING byte 0xE9 is not valid UTF-8: save the spec as UTF-8",
    ]);
    expect(r.dags.size).to.equal(0);
  });

  it("report raw control characters, one per line, at the character", () => {
    const r = compileSpecs({
      "p.yaml": "pipeline: p\x1b[31m\ntags: [a\x00, b\x07]\n" + TASK.slice(12),
    });
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code}`)).to.deep.equal([
      "1:12 INVALID_ENCODING",
      "2:9 INVALID_ENCODING",
    ]);
    expect(r.diagnostics[0]!.message).to.contain("U+001B");
  });

  it("decode every valid UTF-8 text exactly and keep every other byte sequence reversible (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 30 }),
        fc.uint8Array({ maxLength: 30 }),
        (s, junk) => {
          expect(decodeUtf8(Buffer.from(s, "utf8"))).to.equal(s);
          const decoded = decodeUtf8(junk);
          // Re-encoding valid characters and the escaped bytes gives the input back.
          const back = Buffer.concat(
            [...decoded].map((c) => {
              const code = c.codePointAt(0)!;
              return code >= 0xdc80 && code <= 0xdcff
                ? Buffer.from([code - 0xdc00])
                : Buffer.from(c, "utf8");
            }),
          );
          expect([...back]).to.deep.equal([...junk]);
        },
      ),
      { seed: 5, numRuns: 500 },
    );
  });
});

describe("names and paths from a spec", () => {
  it("refuses spec file names with newlines, quotes or other odd characters", () => {
    for (const name of [
      "a\nimport os.yaml",
      'a".yaml',
      "a b.yaml",
      "-x.yaml",
      "é.yaml",
      "a\u2028.yaml",
    ]) {
      const r = compileSpecs({ [name]: TASK });
      expect(
        r.diagnostics.map((d) => d.code),
        name,
      ).to.deep.equal(["INVALID_FILE_NAME"]);
      expect(r.dags.size).to.equal(0);
    }
  });

  it("writes any source path into a DAG header as one comment line (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (p) => {
        const lines = header(p, "ab").split("\n");
        expect(lines).to.have.length(3);
        expect(lines[0]).to.match(/^# Generated by dagspec from /);
        // Python ends a line at \n, \r and \r\n only; none may be left, nor a NUL.
        expect(lines[0]).to.not.match(/[\r\0\f\v\x85\u2028\u2029]/);
      }),
      { seed: 3, numRuns: 1000 },
    );
  });

  const spec = (script: string) =>
    [
      "pipeline: p",
      "tasks:",
      "  a:",
      `    glue.job: { script: ${JSON.stringify(script)} }`,
      "",
    ].join("\n");

  for (const bad of [
    "../../../../etc/passwd",
    "/etc/passwd",
    "glue-jobs/../../x.py",
    "~/x.py",
    "glue-jobs\\etl.py",
  ]) {
    it(`refuses the path ${JSON.stringify(bad)} at the path`, () => {
      const text = spec(bad);
      const d = only(text);
      expect(d.code).to.equal("OUTSIDE_PROJECT");
      expect(JSON.parse(text.slice(d.range[0], d.range[1]))).to.equal(bad);
    });
  }

  describe("through symbolic links", () => {
    let root: string;
    let elsewhere: string;
    beforeEach(() => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), "dagspec-links-"));
      elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "dagspec-elsewhere-"));
      fs.cpSync(path.join(FIXTURES, "files"), root, { recursive: true });
      fs.writeFileSync(path.join(elsewhere, "secret.py"), "def run():\n    return 1\n");
      fs.writeFileSync(path.join(elsewhere, "spec.yaml"), TASK);
      fs.symlinkSync(path.join(elsewhere, "secret.py"), path.join(root, "glue-jobs", "link.py"));
      fs.symlinkSync(elsewhere, path.join(root, "ml-scripts", "out"));
      fs.symlinkSync(path.join(elsewhere, "secret.py"), path.join(root, "lambdas", "fn.py"));
      fs.symlinkSync(
        path.join(elsewhere, "secret.py"),
        path.join(root, "dags-src", "helpers", "leak.py"),
      );
    });
    afterEach(() => {
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(elsewhere, { recursive: true, force: true });
    });

    const compileDisk = () =>
      compileProject(diskProject(root), { target: "2.10", runtime: runtimeSource() });

    it("refuses a script, processing script, function source or helper that leads outside", () => {
      const text = [
        "pipeline: p",
        "functions: { fn: { source: lambdas/fn.py } }",
        "tasks:",
        "  a:",
        "    glue.job: { script: glue-jobs/link.py }",
        "  b:",
        "    sagemaker.processing: { image: i, script: ml-scripts/out/secret.py }",
        "  c:",
        '    python: { callable: "leak:run" }',
        "",
      ].join("\n");
      fs.writeFileSync(path.join(root, "dags-src", "p.yaml"), text);
      const r = compileDisk();
      expect(
        r.diagnostics.map((d) => `${d.code} ${text.slice(d.range[0], d.range[1])}`),
      ).to.deep.equal([
        "OUTSIDE_PROJECT lambdas/fn.py",
        "OUTSIDE_PROJECT glue-jobs/link.py",
        "OUTSIDE_PROJECT ml-scripts/out/secret.py",
        'OUTSIDE_PROJECT "leak:run"',
      ]);
    });

    it("refuses a processing script whose folder holds a link that leads outside", () => {
      fs.symlinkSync(path.join(elsewhere, "secret.py"), path.join(root, "ml-scripts", "leak.py"));
      const text = [
        "pipeline: p",
        "tasks:",
        "  b:",
        "    sagemaker.processing: { image: i, script: ml-scripts/evaluate.py }",
        "",
      ].join("\n");
      fs.writeFileSync(path.join(root, "dags-src", "p.yaml"), text);
      const r = compileDisk();
      expect(
        r.diagnostics.map((d) => `${d.code} ${text.slice(d.range[0], d.range[1])}`),
      ).to.deep.equal(["OUTSIDE_PROJECT ml-scripts/evaluate.py"]);
      expect(r.diagnostics[0]!.message).to.include("ml-scripts/leak.py");
    });

    it("neither copies a linked helper into the DAG folder nor reads a linked spec", () => {
      fs.symlinkSync(path.join(elsewhere, "spec.yaml"), path.join(root, "dags-src", "linked.yaml"));
      const r = compileDisk();
      expect(r.diagnostics.map((d) => `${d.file} ${d.code}`)).to.deep.equal([
        "dags-src/linked.yaml OUTSIDE_PROJECT",
      ]);
      fs.rmSync(path.join(root, "dags-src", "linked.yaml"));
      fs.writeFileSync(path.join(root, "dags-src", "p.yaml"), TASK);
      const ok = compileDisk();
      expect(ok.diagnostics).to.deep.equal([]);
      expect([...ok.dags.keys()]).to.not.include("dagspec_helpers/leak.py");
      expect([...ok.dags.keys()]).to.include("dagspec_helpers/checks.py");
    });
  });
});
