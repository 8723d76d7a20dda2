// Which MWAA environment a command operates: `--env NAME` (with `--region`, else the SDK's
// default region), or else the environment the stack in this folder creates. The stack is
// `--stack NAME`, or the only Pulumi.<stack>.yaml here; its name, the project name in
// Pulumi.yaml and infra/naming.ts give the environment's name (the stack's `environmentName`
// output), and its `aws:region` the region. `--endpoint URL` addresses an MWAA-compatible
// endpoint instead of AWS's.

import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { StackNames } from "../infra/naming";
import { OpsError } from "./backend";

export interface TargetOptions {
  root: string;
  env?: string;
  stack?: string;
  region?: string;
  endpoint?: string;
}

export interface ResolvedTarget {
  environment: string;
  /** Undefined: the SDK's default chain decides (AWS_REGION, the profile's region). */
  region?: string;
  endpoint?: string;
  /** How the environment was found, for messages. */
  from: string;
}

function readYaml(file: string): Record<string, unknown> {
  try {
    const value = parse(fs.readFileSync(file, "utf8")) as unknown;
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  } catch (e) {
    throw new OpsError("usage", `cannot read ${file}: ${(e as Error).message}`);
  }
}

export function stackFiles(root: string): string[] {
  return fs
    .readdirSync(root)
    .filter((f) => /^Pulumi\.[^.]+\.ya?ml$/.test(f))
    .sort();
}

export function resolveTarget(o: TargetOptions): ResolvedTarget {
  if (o.endpoint !== undefined) {
    try {
      new URL(o.endpoint);
    } catch {
      throw new OpsError(
        "usage",
        `--endpoint wants a URL such as http://127.0.0.1:8080, not ${o.endpoint}`,
      );
    }
  }
  const extra = {
    ...(o.region ? { region: o.region } : {}),
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
  };
  if (o.env) return { environment: o.env, ...extra, from: "--env" };

  const files = stackFiles(o.root);
  let file: string;
  if (o.stack) {
    file = files.find((f) => f.replace(/^Pulumi\.|\.ya?ml$/g, "") === o.stack) ?? "";
    if (!file) {
      throw new OpsError(
        "usage",
        `no Pulumi.${o.stack}.yaml in ${o.root}${files.length ? ` (stacks: ${files.join(", ")})` : ""}`,
      );
    }
  } else if (files.length === 1) {
    file = files[0]!;
  } else {
    throw new OpsError(
      "usage",
      files.length
        ? `several stacks in ${o.root} (${files.join(", ")}): pass --stack NAME or --env NAME`
        : `no Pulumi.<stack>.yaml in ${o.root}: pass --env NAME (and --region)`,
    );
  }
  const stack = file.replace(/^Pulumi\.|\.ya?ml$/g, "");
  const projectFile = path.join(o.root, "Pulumi.yaml");
  const project = fs.existsSync(projectFile) ? readYaml(projectFile)["name"] : undefined;
  if (typeof project !== "string") {
    throw new OpsError("usage", `${projectFile} names no project (name:): pass --env NAME`);
  }
  const config = (readYaml(path.join(o.root, file))["config"] ?? {}) as Record<string, unknown>;
  const region = typeof config["aws:region"] === "string" ? config["aws:region"] : undefined;
  return {
    environment: new StackNames({ project, stack }).mwaaEnvironment(),
    ...(region ? { region } : {}),
    ...extra,
    from: `stack ${stack} (${file})`,
  };
}
