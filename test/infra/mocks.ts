// A recording Pulumi mock: every resource the program declares is pushed to a list with its
// type, name, inputs and the options the engine would see (parent, provider, protect); the
// invokes the stack relies on are answered from a fixed table and any other call throws. The
// program is required afresh after setMocks for every run.

import { createHash } from "node:crypto";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as settings from "@pulumi/pulumi/runtime/settings";
import type { StackOutputs } from "../../infra/stack";
import { simulateVpc, type Child } from "./awsx-vpc";

export const ACCOUNT = "123456789012";
export const REGION = "eu-west-1";
export const PROJECT = "dagspec";
export const STACK = "dev";

/** The configuration of a stack with every default: only the region is required. */
export const BASE_CONFIG: Readonly<Record<string, unknown>> = { "aws:region": REGION };

export interface Recorded {
  type: string;
  name: string;
  /** Custom resources are AWS API objects; components (ours, awsx's) are not. */
  custom: boolean;
  inputs: Record<string, unknown>;
  /** What the mock answered: the inputs plus computed attributes (arn, versionId, ...). */
  state: Record<string, unknown>;
  id: string;
  parent: { type: string; name: string } | undefined;
  /** Provider reference of a custom resource: `<provider urn>::<id>`. */
  provider: string;
  /** Provider references of a component, by package. */
  providers: Record<string, string>;
  protect: boolean;
  retainOnDelete: boolean;
  dependsOn: string[];
}

type Invoke = (inputs: Record<string, unknown>) => Record<string, unknown>;

/** The only provider functions the stack may call. */
export const INVOKES: Record<string, Invoke> = {
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({
    accountId: ACCOUNT,
    arn: `arn:aws:iam::${ACCOUNT}:user/deployer`,
    userId: "AIDAEXAMPLE",
    id: ACCOUNT,
  }),
  "aws:index/getPartition:getPartition": () => ({
    partition: "aws",
    dnsSuffix: "amazonaws.com",
    reverseDnsPrefix: "com.amazonaws",
    id: "aws",
  }),
};

const hash = (s: unknown) => createHash("sha256").update(JSON.stringify(s)).digest("hex");

/** Attributes AWS would compute, derived from the inputs so they are deterministic. */
function answer(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
): { id: string; state: Record<string, unknown> } {
  const s = (k: string) => String(inputs[k]);
  const regional = (service: string, resource: string) =>
    `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
  switch (type) {
    case "aws:s3/bucket:Bucket":
      return { id: s("bucket"), state: { ...inputs, arn: `arn:aws:s3:::${s("bucket")}` } };
    case "aws:kms/key:Key": {
      const keyId = hash(name)
        .slice(0, 32)
        .replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-");
      return { id: keyId, state: { ...inputs, keyId, arn: regional("kms", `key/${keyId}`) } };
    }
    case "aws:iam/role:Role":
      return {
        id: s("name"),
        state: { ...inputs, arn: `arn:aws:iam::${ACCOUNT}:role/${s("name")}` },
      };
    case "aws:s3/bucketObjectv2:BucketObjectv2":
      // S3 gives a new version id to new bytes; the mock's depends on the content alone.
      return {
        id: s("key"),
        state: { ...inputs, versionId: hash([inputs["content"], inputs["source"]]).slice(0, 32) },
      };
    case "aws:cloudwatch/logGroup:LogGroup":
      return {
        id: s("name"),
        state: { ...inputs, arn: regional("logs", `log-group:${s("name")}`) },
      };
    case "aws:glue/crawler:Crawler":
      return { id: s("name"), state: { ...inputs, arn: regional("glue", `crawler/${s("name")}`) } };
    case "aws:glue/job:Job":
      return { id: s("name"), state: { ...inputs, arn: regional("glue", `job/${s("name")}`) } };
    case "aws:glue/catalogDatabase:CatalogDatabase":
      return {
        id: `${ACCOUNT}:${s("name")}`,
        state: { ...inputs, arn: regional("glue", `database/${s("name")}`) },
      };
    case "aws:lambda/function:Function":
      return {
        id: s("name"),
        state: { ...inputs, arn: regional("lambda", `function:${s("name")}`) },
      };
    case "aws:sns/topic:Topic": {
      const arn = regional("sns", s("name"));
      return { id: arn, state: { ...inputs, arn } };
    }
    case "aws:ssm/parameter:Parameter":
      return { id: s("name"), state: { ...inputs, arn: regional("ssm", `parameter${s("name")}`) } };
    case "aws:ec2/securityGroup:SecurityGroup":
      return { id: `sg-${hash(name).slice(0, 17)}`, state: { ...inputs } };
    case "aws:mwaa/environment:Environment":
      return {
        id: s("name"),
        state: {
          ...inputs,
          arn: regional("airflow", `environment/${s("name")}`),
          webserverUrl: `${hash(name).slice(0, 8)}-vpce.c5.${REGION}.airflow.amazonaws.com`,
        },
      };
    default:
      return {
        id: `${name}-id`,
        state: { ...inputs, arn: `arn:aws:mock:${REGION}:${ACCOUNT}:${type}/${name}` },
      };
  }
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";

function assetKind(value: unknown): "asset" | "archive" | undefined {
  if (pulumi.asset.Asset.isInstance(value)) return "asset";
  if (pulumi.asset.Archive.isInstance(value)) return "archive";
  return undefined;
}

/** Turns assets and archives, whose fields are promises, into plain data. */
async function plain(value: unknown): Promise<unknown> {
  const kind = assetKind(value);
  if (kind) {
    const v = value as Record<string, unknown>;
    const out: Record<string, unknown> = { kind };
    for (const field of ["text", "path", "uri", "assets"]) {
      if (v[field] !== undefined) out[field] = await plain(await v[field]);
    }
    return out;
  }
  if (Array.isArray(value)) return Promise.all(value.map(plain));
  if (
    value &&
    typeof value === "object" &&
    (value as Record<string, unknown>)[SECRET_SIG] === SECRET
  ) {
    // The provider marks some inputs secret (MWAA's configuration options); keep the value.
    return plain((value as Record<string, unknown>)["value"]);
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await plain(v);
    return out;
  }
  return value;
}

interface Options {
  parent: string;
  provider: string;
  providers: Record<string, string>;
  protect: boolean;
  retainOnDelete: boolean;
  dependsOn: string[];
}

class RecordingMocks implements pulumi.runtime.Mocks {
  readonly resources: Recorded[] = [];
  readonly invokes: string[] = [];
  readonly options = new Map<string, Options>();

  async newResource(
    args: pulumi.runtime.MockResourceArgs,
  ): Promise<pulumi.runtime.MockResourceResult> {
    const inputs = (await plain(args.inputs)) as Record<string, unknown>;
    const o = this.options.get(`${args.type}::${args.name}`);
    const record = (id: string, state: Record<string, unknown>) =>
      this.resources.push({
        type: args.type,
        name: args.name,
        custom: args.custom ?? true,
        inputs,
        state,
        id,
        parent: o?.parent ? parseUrn(o.parent) : undefined,
        provider: o?.provider ?? "",
        providers: o?.providers ?? {},
        protect: o?.protect ?? false,
        retainOnDelete: o?.retainOnDelete ?? false,
        dependsOn: o?.dependsOn ?? [],
      });
    if (args.type === "awsx:ec2:Vpc") {
      const urn = childUrn(o?.parent, args.type, args.name);
      const { outputs, state } = await this.remoteVpc(urn, args.name, inputs, o?.providers ?? {});
      record("", state);
      return { id: "", state: outputs };
    }
    const { id, state } = answer(args.type, args.name, inputs);
    record(id, state);
    return { id, state };
  }

  /**
   * Plays the awsx plugin: records the children it would create under the component, makes
   * them known to the mock engine, and answers with resource references to them, which the
   * program reads back as live resources (`vpc.routeTables`), as it would after a deployment.
   */
  private async remoteVpc(
    urn: string,
    name: string,
    inputs: Record<string, unknown>,
    providers: Record<string, string>,
  ): Promise<{ outputs: Record<string, unknown>; state: Record<string, unknown> }> {
    const { children, outputs } = simulateVpc(name, inputs, REGION);
    const urns = new Map<Child, string>();
    const urnOf = (c: Child): string => {
      let u = urns.get(c);
      if (!u) {
        u = childUrn(c.parent ? urnOf(c.parent) : urn, c.type, c.name);
        urns.set(c, u);
      }
      return u;
    };
    const engine = pulumi.runtime.getMonitor() as unknown as {
      resources: Map<string, { urn: string; id: string | null; state: unknown }>;
    };
    for (const c of children) {
      const state = { ...c.inputs, arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:${c.id}` };
      const u = urnOf(c);
      engine.resources.set(u, {
        urn: u,
        id: c.id,
        state: await pulumi.runtime.serializeProperties(u, state),
      });
      this.resources.push({
        type: c.type,
        name: c.name,
        custom: true,
        inputs: c.inputs,
        state,
        id: c.id,
        parent: c.parent ? { type: c.parent.type, name: c.parent.name } : parseUrn(urn),
        // The plugin creates every child with the provider the component was given.
        provider: providers["aws"] ?? "",
        providers: {},
        protect: false,
        retainOnDelete: false,
        dependsOn: [],
      });
    }
    const map = (f: (c: Child) => unknown) =>
      Object.fromEntries(
        Object.entries(outputs).map(([k, v]) => [
          k,
          Array.isArray(v)
            ? v.map((x) => (typeof x === "string" ? x : f(x)))
            : typeof v === "string"
              ? v
              : f(v),
        ]),
      );
    const reference = (c: Child) => ({
      [pulumi.runtime.specialSigKey]: pulumi.runtime.specialResourceSig,
      urn: urnOf(c),
      id: c.id,
      packageVersion: "",
    });
    return { outputs: map(reference), state: map((c) => c.id) };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    const invoke = INVOKES[args.token];
    if (!invoke) throw new Error(`Mock not implemented: ${args.token}`);
    this.invokes.push(args.token);
    return invoke(args.inputs as Record<string, unknown>);
  }
}

/** The URN the engine gives a resource under a parent: the parent's type chain, then its own. */
function childUrn(parent: string | undefined, type: string, name: string): string {
  const chain = parent ? `${parent.split("::")[2]}$${type}` : type;
  return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${chain}::${name}`;
}

export function parseUrn(urn: string): { type: string; name: string } {
  // urn:pulumi:<stack>::<project>::<parent types$>type::name
  const [, , types, name] = urn.split("::") as [string, string, string, string];
  return { type: types.split("$").pop()!, name };
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getProvider(): string;
  getProvidersMap(): { toObject(): [string, string][] };
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getDependenciesList(): string[];
}

/** Captures the options of each registration, which MockResourceArgs leaves out. */
function recordOptions(mocks: RecordingMocks): void {
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: RegisterRequest, callback: unknown): unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    mocks.options.set(`${req.getType()}::${req.getName()}`, {
      parent: req.getParent(),
      provider: req.getProvider(),
      providers: Object.fromEntries(req.getProvidersMap().toObject()),
      protect: req.getProtect() ?? false,
      retainOnDelete: req.getRetainondelete() ?? false,
      dependsOn: req.getDependenciesList(),
    });
    return register(req, callback);
  };
}

/** Resolves an Output (or anything holding Outputs) to its plain value. */
export function unwrap<T>(value: pulumi.Input<T>): Promise<pulumi.Unwrap<T>> {
  return new Promise((resolve) => {
    pulumi.output(value).apply((v) => {
      resolve(v);
      return v;
    });
  });
}

const INFRA = path.resolve(__dirname, "..", "..", "infra");

/** Forgets the compiled program, so the next require runs it against the current mocks. */
function forgetInfra(): void {
  for (const id of Object.keys(require.cache)) {
    if (id.startsWith(INFRA + path.sep)) Reflect.deleteProperty(require.cache, id);
  }
}

function requireInfra<T>(module: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(INFRA, module)) as T;
}

export type ResolvedOutputs = pulumi.Unwrap<StackOutputs>;

export interface StackRun {
  resources: Recorded[];
  invokes: string[];
  outputs: ResolvedOutputs;
}

/** Runs the stack program for a project folder and configuration under fresh mocks. */
export async function runStack(
  root: string,
  raw: Readonly<Record<string, unknown>> = BASE_CONFIG,
  stack = STACK,
): Promise<StackRun> {
  return underMocks(stack, async () => {
    const { buildStack } = requireInfra<typeof import("../../infra/stack")>("stack");
    const { readConfig } = requireInfra<typeof import("../../infra/config")>("config");
    return unwrap(buildStack({ root, config: readConfig(raw) }));
  });
}

/**
 * Runs infra/index.ts itself, as `pulumi up` would from the current folder, with the given
 * stack configuration (what `pulumi config` holds, as strings); resolves to its exports.
 */
export async function runProgram(
  config: Record<string, string>,
): Promise<{ resources: Recorded[]; exports: Record<string, unknown> }> {
  const run = await underMocks(STACK, async () => {
    pulumi.runtime.setAllConfig(config);
    return unwrap(requireInfra<Record<string, unknown>>("index"));
  });
  return { resources: run.resources, exports: run.outputs };
}

async function underMocks<T>(
  stack: string,
  program: () => Promise<T>,
): Promise<{ resources: Recorded[]; invokes: string[]; outputs: T }> {
  const mocks = new RecordingMocks();
  await pulumi.runtime.setMocks(mocks, PROJECT, stack, false);
  recordOptions(mocks);
  forgetInfra();
  const outputs = await program();
  // Every registration has been answered once the RPC queue drains.
  await (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
  const resources = [...mocks.resources].sort((a, b) =>
    `${a.type}::${a.name}`.localeCompare(`${b.type}::${b.name}`),
  );
  return { resources, invokes: [...new Set(mocks.invokes)].sort(), outputs };
}

// ---------------------------------------------------------------- queries

export function ofType(run: { resources: Recorded[] }, type: string): Recorded[] {
  return run.resources.filter((r) => r.type === type);
}

export function one(
  run: { resources: Recorded[] },
  type: string,
  predicate: (r: Recorded) => boolean = () => true,
): Recorded {
  const found = ofType(run, type).filter(predicate);
  if (found.length !== 1)
    throw new Error(
      `expected one ${type}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`,
    );
  return found[0]!;
}

/** A JSON policy input, parsed. */
export function json<T = Record<string, unknown>>(value: unknown): T {
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}
