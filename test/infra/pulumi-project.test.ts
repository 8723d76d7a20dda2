// Pulumi.yaml, Pulumi.dev.yaml and infra/index.ts: the files `pulumi up` starts from.

import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { CONFIG_KEYS, DEFAULTS, NAMESPACE, readConfig } from "../../infra/config";
import { ROOT } from "../helpers";
import { REGION, runProgram } from "./mocks";

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

/** Stack configuration as a program sees it: strings, structured values as JSON. */
function asPulumiConfig(config: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

describe("the Pulumi project", () => {
  it("runs infra/ with Node.js and TypeScript as project dagspec", () => {
    const project = parse(read("Pulumi.yaml")) as Record<string, unknown>;
    expect(project).to.deep.include({ name: "dagspec", main: "infra/" });
    expect(project["runtime"]).to.deep.equal({
      name: "nodejs",
      options: { typescript: true, packagemanager: "npm" },
    });
    expect(fs.existsSync(path.join(ROOT, "infra", "index.ts"))).to.equal(true);
  });

  it("documents every configuration key in Pulumi.dev.yaml, with its default", () => {
    const text = read("Pulumi.dev.yaml");
    const config = (parse(text) as { config: Record<string, unknown> }).config;
    expect(Object.keys(config).sort()).to.deep.equal(
      ["aws:region", ...CONFIG_KEYS.map((k) => `${NAMESPACE}:${k}`)].sort(),
    );
    const lines = text.split("\n");
    for (const key of Object.keys(config)) {
      const at = lines.findIndex((l) => l.startsWith(`  ${key}:`));
      let i = at - 1;
      while (i >= 0 && lines[i]!.trim() !== "" && !lines[i]!.trim().startsWith("#")) i--;
      expect(lines[i]?.trim().startsWith("#"), `${key} has no comment above it`).to.equal(true);
    }
    const c = readConfig(asPulumiConfig(config));
    expect(readConfig({ "aws:region": c.region, "dagspec:tags": c.tags })).to.deep.equal(c);
    expect(c.tags).not.to.deep.equal(DEFAULTS.tags);
  });

  it("runs infra/index.ts from the project folder with the dev stack's configuration", async () => {
    const config = (parse(read("Pulumi.dev.yaml")) as { config: Record<string, unknown> }).config;
    const { resources, exports } = await runProgram(
      asPulumiConfig({ ...config, "aws:region": REGION }),
    );
    expect(Object.keys(exports).sort()).to.deep.equal([
      "airflowVersion",
      "buckets",
      "crawlers",
      "databases",
      "environmentName",
      "functions",
      "jobs",
      "kmsKeyArn",
      "namePrefix",
      "region",
      "roles",
      "topics",
      "triggerCommands",
      "variables",
      "webserverUrl",
    ]);
    expect(exports["environmentName"]).to.equal("dagspec-dev");
    expect(resources.some((r) => r.type === "aws:mwaa/environment:Environment")).to.equal(true);
  });
});
