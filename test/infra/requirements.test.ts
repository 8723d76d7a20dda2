import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { AIRFLOW_VERSIONS, type AirflowVersion } from "../../infra/config";
import { requirementsTxt } from "../../infra/requirements";
import { ROOT } from "../helpers";

describe("requirements.txt", () => {
  it("pins Airflow 2.10.3's constraints for Python 3.11", () => {
    expect(requirementsTxt("2.10.3", true)).to.include(
      "\n-c https://raw.githubusercontent.com/apache/airflow/constraints-2.10.3/constraints-3.11.txt\n",
    );
  });

  it("pins Airflow 3.0.6's constraints for Python 3.12", () => {
    expect(requirementsTxt("3.0.6", true)).to.include(
      "\n-c https://raw.githubusercontent.com/apache/airflow/constraints-3.0.6/constraints-3.12.txt\n",
    );
  });

  it("leaves the constraints URL out when the environment has no internet access", () => {
    expect(requirementsTxt("2.10.3", false)).not.to.match(/^-c /m);
  });

  for (const version of Object.keys(AIRFLOW_VERSIONS) as AirflowVersion[]) {
    it(`pins the Amazon provider of Airflow ${version}'s constraints file in pyenv/constraints`, () => {
      const constraints = fs.readFileSync(
        path.join(ROOT, "pyenv", "constraints", `airflow-${version}-constraints.txt`),
        "utf8",
      );
      const pinned = /^apache-airflow-providers-amazon==(\S+)$/m.exec(constraints)?.[1];
      expect(requirementsTxt(version, true)).to.include(
        `\napache-airflow-providers-amazon==${pinned}\n`,
      );
    });
  }
});
