// The endpoints a network without NAT needs, checked against what the compiled DAGs import.

import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { runtimeSource } from "../../cli/paths";
import { compileProject } from "../../compiler/compile";
import { emitDag } from "../../compiler/emit/dag";
import type { Operation, PipelineIR } from "../../compiler/ir";
import { KIND_NAMES } from "../../compiler/kinds";
import { buildManifest } from "../../compiler/manifest";
import { diskProject } from "../../compiler/project";
import {
  ENVIRONMENT_ENDPOINTS,
  interfaceEndpointServices,
  routeTablesOf,
} from "../../infra/mwaa-network";
import { planStack } from "../../infra/plan";
import { compileSpecs, FIXTURES, ROOT, cases } from "../helpers";

/**
 * The AWS APIs behind what a generated DAG imports, as VPC endpoint services, read from the
 * Amazon provider's operators and hooks (9.0.0, 9.12.0) and compiler/runtime/dagspec_runtime.py.
 * The SageMaker operators' hook checks training and transform inputs in S3.
 */
const CALLS: Record<string, string[]> = {
  "airflow.providers.amazon.aws.operators.glue_crawler": ["glue"],
  "airflow.providers.amazon.aws.operators.glue": ["glue"],
  "airflow.providers.amazon.aws.operators.sagemaker": ["sagemaker.api", "s3"],
  "airflow.providers.amazon.aws.operators.lambda_function": ["lambda"],
  "airflow.providers.amazon.aws.operators.sns": ["sns"],
  "airflow.providers.amazon.aws.notifications.sns": ["sns"],
  // S3Hook; a helper may call only what the execution role grants it: its datasets.
  "dagspec_runtime.call_helper": ["s3"],
  "dagspec_runtime.metric_gate": ["s3"],
  "dagspec_runtime.s3_new_objects": ["s3"],
  // An Airflow Variable, through the secrets backend (the environment's ssm endpoint).
  "dagspec_runtime.wait_for_approval": [],
  // Reads the connection's region; calls nothing.
  "dagspec_runtime.image_uri": [],
};

/** What a DAG's imports call; a provider module or runtime function unknown to CALLS fails. */
function servicesImportedBy(dag: string): string[] {
  const out = new Set<string>();
  for (const m of dag.matchAll(/^from ([\w.]+) import (?:\(([^)]*)\)|(.*))$/gm)) {
    const module = m[1]!;
    const names = (m[2] ?? m[3]!).split(",").map((n) => n.trim());
    const keys =
      module === "dagspec_runtime"
        ? names.filter(Boolean).map((n) => `${module}.${n}`)
        : module.startsWith("airflow.providers.amazon.")
          ? [module]
          : [];
    for (const key of keys) {
      const calls = CALLS[key];
      if (!calls) throw new Error(`${key}: say in CALLS which AWS APIs it calls`);
      for (const c of calls) out.add(c);
    }
  }
  return [...out].sort();
}

/** Every pipeline of the examples and the valid fixtures, compiled. */
const pipelines: PipelineIR[] = [
  ...compileProject(diskProject(ROOT), { target: "2.10", runtime: runtimeSource() }).pipelines,
  ...cases(path.join(FIXTURES, "valid")).flatMap(
    (name) =>
      compileSpecs({
        [`${name}.yaml`]: fs.readFileSync(path.join(FIXTURES, "valid", `${name}.yaml`), "utf8"),
      }).pipelines,
  ),
];

/** A pipeline of one task of the kind, and nothing else: no failure notification. */
function onlyTask(kind: Operation["kind"]): PipelineIR {
  for (const p of pipelines) {
    const task = p.tasks.find((t) => t.op.kind === kind);
    if (task) {
      const single: PipelineIR = { ...p, tasks: [{ ...task, upstream: [] }] };
      delete single.onFailure;
      return single;
    }
  }
  throw new Error(`no example or fixture has a ${kind} task`);
}

/** The endpoints of a network without NAT for these pipelines; S3 is the gateway. */
function endpointsFor(ps: PipelineIR[]): string[] {
  const plan = planStack({ manifest: buildManifest([]), pipelines: ps });
  return ["s3", ...interfaceEndpointServices(plan.airflowServices)];
}

describe("the endpoints of a network without NAT", () => {
  for (const kind of KIND_NAMES) {
    it(`cover what a pipeline of one ${kind} task calls`, () => {
      const p = onlyTask(kind);
      const needed = servicesImportedBy(emitDag(p, "2.10"));
      expect(endpointsFor([p])).to.include.members(needed);
    });
  }

  it("cover the SNS notification of a failed run", () => {
    const p = pipelines.find((x) => x.onFailure && x.tasks.every((t) => t.op.kind !== "notify"));
    expect(p, "an example with onFailure and no notify task").to.not.equal(undefined);
    expect(servicesImportedBy(emitDag(p!, "2.10"))).to.include("sns");
    expect(endpointsFor([p!])).to.include("sns");
  });

  it("cover what every example DAG imports, for both Airflow targets", () => {
    for (const target of ["2.10", "3.0"] as const) {
      const compiled = compileProject(diskProject(ROOT), { target, runtime: runtimeSource() });
      const needed = [...compiled.dags.values()].flatMap(servicesImportedBy);
      expect(endpointsFor(compiled.pipelines), target).to.include.members(needed);
    }
  });

  it("add nothing for a task that calls no AWS API", () => {
    expect(endpointsFor([onlyTask("empty"), onlyTask("trigger.dag")])).to.deep.equal([
      "s3",
      ...ENVIRONMENT_ENDPOINTS,
    ]);
  });

  it("include every endpoint the MWAA User Guide lists for private routing, and SSM", () => {
    // vpc-vpe-create-access.md, "(Required) Example VPC endpoints"; s3 is the gateway.
    const guide = [
      "s3",
      "monitoring",
      "ecr.dkr",
      "ecr.api",
      "logs",
      "sqs",
      "kms",
      "airflow.api",
      "airflow.env",
      "airflow.ops",
    ];
    expect(endpointsFor([])).to.include.members([...guide, "ssm"]);
  });

  it("name no endpoint twice, and never S3 as an interface", () => {
    const all = interfaceEndpointServices(["s3", "glue", "glue", "sns"]);
    expect(all).to.deep.equal([...new Set(all)]);
    expect(all).not.to.include("s3");
  });
});

describe("the route tables of the S3 gateway endpoint", () => {
  const associations = [
    { subnetId: "subnet-b", routeTableId: "rtb-2" },
    { subnetId: "subnet-public", routeTableId: "rtb-9" },
    { subnetId: "subnet-a", routeTableId: "rtb-1" },
    // A gateway association has no subnet.
    { routeTableId: "rtb-edge" },
  ];

  it("are the tables of the given subnets, sorted, each once", () => {
    expect(routeTablesOf(associations, ["subnet-a", "subnet-b"])).to.deep.equal(["rtb-1", "rtb-2"]);
    expect(
      routeTablesOf(
        [...associations, { subnetId: "subnet-c", routeTableId: "rtb-1" }],
        ["subnet-a", "subnet-c"],
      ),
    ).to.deep.equal(["rtb-1"]);
  });

  it("are none for subnets no table is associated with", () => {
    expect(routeTablesOf(associations, ["subnet-x"])).to.deep.equal([]);
  });
});
