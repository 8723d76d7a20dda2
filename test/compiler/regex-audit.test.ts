// Every regex of the project's Python is held to the same rule as its TypeScript (which
// eslint checks with eslint-plugin-regexp): no quantifiers that can match the same text in
// more than one way, the shape that backtracks exponentially or quadratically.

import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { ESLint } from "eslint";
import regexp from "eslint-plugin-regexp";
import * as path from "node:path";
import { pythonEnv } from "../../cli/paths";
import { ROOT } from "../helpers";

/** Folders whose Python the project runs: the runtime, the CLI's checks, the runner, jobs. */
const FOLDERS = [
  "compiler",
  "cli",
  "runner",
  "bench",
  "glue-jobs",
  "lambdas",
  "ml-scripts",
  "dags-src",
];

const FIND = `
import ast, json, pathlib, sys
out = []
for folder in sys.argv[1:]:
    for f in sorted(pathlib.Path(folder).rglob("*.py")):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"
                    and node.args and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                out.append([str(f), node.lineno, node.args[0].value])
print(json.dumps(out))
`;

describe("the project's Python regexes", function () {
  this.timeout(120_000);

  it("have no super-linear backtracking", async () => {
    const python = path.join(pythonEnv("lint"), "bin", "python");
    const found = JSON.parse(
      execFileSync(python, ["-c", FIND, ...FOLDERS], { cwd: ROOT, encoding: "utf8" }),
    ) as [string, number, string][];
    expect(found.length, "the search finds the regexes it audits").to.be.greaterThan(3);
    // Python's named groups are written (?P<name>...); JavaScript's (?<name>...).
    const code = found
      .map(([, , p]) => `new RegExp(${JSON.stringify(p.replace(/\(\?P</g, "(?<"))}, "u");`)
      .join("\n");
    const eslint = new ESLint({
      overrideConfigFile: true,
      overrideConfig: [
        {
          plugins: { regexp },
          rules: { "regexp/no-super-linear-backtracking": "error" },
        },
      ],
    });
    const [result] = await eslint.lintText(code, { filePath: "python-regexes.js" });
    const bad = result!.messages.map((m) => {
      const [file, line, pattern] = found[m.line - 1]!;
      return `${file}:${line} ${pattern}: ${m.message}`;
    });
    expect(bad).to.deep.equal([]);
  });
});
