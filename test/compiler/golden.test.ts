import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { dagFileName } from "../../compiler/compile";
import { AIRFLOW_TARGETS } from "../../compiler/ir";
import {
  EXPECTED,
  FIXTURES,
  UPDATE_GOLDEN,
  cases,
  compileSpecs,
  formatAll,
  golden,
} from "../helpers";

describe("golden files", () => {
  for (const target of AIRFLOW_TARGETS) {
    const folder = target === "2.10" ? "valid" : `valid-airflow${target}`;
    describe(`valid specs compile to the expected DAG files for Airflow ${target}`, () => {
      for (const name of cases(path.join(FIXTURES, "valid"))) {
        it(`${name}.yaml`, () => {
          const text = fs.readFileSync(path.join(FIXTURES, "valid", `${name}.yaml`), "utf8");
          const result = compileSpecs({ [`${name}.yaml`]: text }, target);
          expect(formatAll(result).trim(), "diagnostics").to.equal("");
          const [pipeline] = result.pipelines;
          const actual = result.dags.get(dagFileName(pipeline!.id))!;
          expect(actual).to.equal(golden(path.join(EXPECTED, folder, `${name}.py`), actual));
        });
      }
    });
  }

  describe("invalid specs report the expected diagnostics and produce no files", () => {
    for (const name of cases(path.join(FIXTURES, "invalid"))) {
      it(`${name}.yaml`, () => {
        const text = fs.readFileSync(path.join(FIXTURES, "invalid", `${name}.yaml`), "utf8");
        const result = compileSpecs({ [`${name}.yaml`]: text });
        expect(result.diagnostics, "diagnostics").to.not.be.empty;
        expect([...result.dags.keys()]).to.deep.equal([]);
        const actual = formatAll(result);
        expect(actual).to.equal(
          golden(path.join(EXPECTED, "invalid", `${name}.diagnostics.txt`), actual),
        );
      });
    }
  });

  it("has no expected file without a fixture", function () {
    if (UPDATE_GOLDEN) this.skip();
    for (const kind of ["valid", "valid-airflow3.0", "invalid"]) {
      const fixtures = new Set(cases(path.join(FIXTURES, kind.replace(/-airflow.*/, ""))));
      for (const f of fs.readdirSync(path.join(EXPECTED, kind))) {
        expect(fixtures.has(f.replace(/\.(py|diagnostics\.txt)$/, "")), `${kind}/${f}`).to.equal(
          true,
        );
      }
    }
  });
});
