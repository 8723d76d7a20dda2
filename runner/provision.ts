// What a local run needs in moto, from the compiler's output, and creating it.
//
// `planLocal` is pure: it reads the manifest (and, for resource kinds the manifest does not
// group yet, the pipelines' own resource lists, which the manifest is built from) and names
// everything as a stack called "local" would (infra/naming.ts), so the Airflow Variables hold
// the same kind of values as on MWAA. moto's account and region are fixed, so every ARN is
// known before anything exists. `provision` creates the plan with the AWS SDK.

import * as fs from "node:fs";
import * as path from "node:path";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import {
  CreateCrawlerCommand,
  CreateDatabaseCommand,
  CreateJobCommand,
  GlueClient,
} from "@aws-sdk/client-glue";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateModelPackageGroupCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { Resource } from "../compiler/ir";
import type { Manifest } from "../compiler/manifest";
import { CODE_PREFIX, LAKE_BUCKET, NAME_PREFIX, SAGEMAKER_ROLE_ARN } from "../compiler/variables";
import { gluePackages } from "../infra/files";
import { StackNames, bucketName } from "../infra/naming";
import { ACCOUNT_ID, CREDENTIALS, REGION } from "./moto";
import { SEEDS, sameLocation } from "./seeds";
import { zip } from "./zip";

/** The stack name local resources are named for. */
export const LOCAL_NAMING = { project: "dagspec", stack: "local" };

export interface S3Object {
  bucket: string;
  key: string;
  body: Buffer;
  /** Why it is there, for the runner's output. */
  what: string;
}

export interface LocalPlan {
  buckets: string[];
  objects: S3Object[];
  roles: { name: string; arn: string; service: string }[];
  databases: { name: string }[];
  crawlers: { name: string; role: string; database: string; path: string; tablePrefix: string }[];
  jobs: {
    name: string;
    role: string;
    script: string;
    glueVersion: string;
    workerType: string;
    workers: number;
    timeoutMinutes: number;
    maxRetries: number;
    defaultArguments: Record<string, string>;
  }[];
  functions: {
    name: string;
    role: string;
    handler: string;
    runtime: string;
    timeout: number;
    memory: number;
    zip: Buffer;
  }[];
  topics: { name: string; arn: string }[];
  modelPackageGroups: string[];
  /** Airflow Variables by name: what AIRFLOW_VAR_<NAME> and the SSM parameters hold. */
  variables: Map<string, string>;
  /** SSM parameter name by variable name, where the stack's secrets backend would look. */
  parameters: Map<string, string>;
  /** Short descriptions of the seed data. */
  seeds: string[];
}

type Of<K extends Resource["kind"]> = Extract<Resource, { kind: K }>;

/**
 * The resources to create: the manifest's lists, plus, for kinds the manifest does not list,
 * the pipelines' resources (the list the manifest is built from).
 */
export function localResources(compiled: {
  manifest: Manifest;
  pipelines: readonly { resources: readonly Resource[] }[];
}): Resource[] {
  const listed = Object.values(compiled.manifest)
    .flat()
    .filter((x): x is Resource => typeof x === "object" && x !== null && "kind" in x);
  const kinds = new Set(
    Object.entries(compiled.manifest)
      .filter(([, v]) => Array.isArray(v) && v.some((x) => typeof x === "object"))
      .flatMap(([, v]) => (v as Resource[]).map((r) => r.kind)),
  );
  const rest = compiled.pipelines.flatMap((p) => p.resources).filter((r) => !kinds.has(r.kind));
  return [...listed, ...rest];
}

export function planLocal(
  compiled: { manifest: Manifest; pipelines: readonly { resources: readonly Resource[] }[] },
  root: string,
): LocalPlan {
  const names = new StackNames(LOCAL_NAMING);
  const lake = bucketName(LOCAL_NAMING, "lake", ACCOUNT_ID, REGION);
  const scripts = bucketName(LOCAL_NAMING, "scripts", ACCOUNT_ID, REGION);
  const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT_ID}:role/${name}`;
  const roles = {
    glue: names.role("glue"),
    sagemaker: names.role("sagemaker"),
    lambda: names.role("lambda"),
  };
  const plan: LocalPlan = {
    buckets: [lake, scripts],
    objects: [],
    roles: [
      { name: roles.glue, arn: roleArn(roles.glue), service: "glue.amazonaws.com" },
      { name: roles.sagemaker, arn: roleArn(roles.sagemaker), service: "sagemaker.amazonaws.com" },
      { name: roles.lambda, arn: roleArn(roles.lambda), service: "lambda.amazonaws.com" },
    ],
    databases: [],
    crawlers: [],
    jobs: [],
    functions: [],
    topics: [],
    modelPackageGroups: [],
    variables: new Map([[LAKE_BUCKET, lake]]),
    parameters: new Map(),
    seeds: [],
  };
  const physicalDb = new Map<string, string>();
  const scriptsUploaded = new Set<string>();
  const seen = new Set<string>();
  const once = (key: string) => (seen.has(key) ? false : (seen.add(key), true));
  const read = (rel: string) => fs.readFileSync(path.join(root, rel));

  const resources = localResources(compiled);
  // Databases first: crawlers name their physical database.
  for (const r of resources) {
    if (r.kind === "glue.database" && once(`db:${r.name}`)) {
      physicalDb.set(r.name, names.glueDatabase(r.name));
      plan.databases.push({ name: names.glueDatabase(r.name) });
      plan.variables.set(r.variable, names.glueDatabase(r.name));
    }
  }
  for (const r of resources) {
    switch (r.kind) {
      case "glue.database":
        break;
      case "dataset":
        for (const seed of SEEDS) {
          if (!sameLocation(seed.location, r.location) || !once(`seed:${seed.description}`)) {
            continue;
          }
          plan.seeds.push(seed.description);
          for (const o of seed.objects(root)) {
            plan.objects.push({ bucket: lake, key: o.key, body: o.body, what: seed.description });
          }
        }
        break;
      case "glue.crawler": {
        const name = names.glueCrawler(r.pipeline, r.dataset);
        plan.crawlers.push({
          name,
          role: roleArn(roles.glue),
          database: physicalDb.get(r.database) ?? names.glueDatabase(r.database),
          path: `s3://${lake}/${r.prefix}`,
          tablePrefix: r.tablePrefix,
        });
        plan.variables.set(r.variable, name);
        break;
      }
      case "glue.job":
        plan.jobs.push(glueJob(r, names, roleArn(roles.glue), scripts, root));
        plan.variables.set(r.variable, names.glueJob(r.pipeline, r.task));
        if (!scriptsUploaded.has(r.script)) {
          scriptsUploaded.add(r.script);
          plan.objects.push({
            bucket: scripts,
            key: r.script,
            body: read(r.script),
            what: "Glue job script",
          });
          for (const pkg of gluePackages(root, r.script)) {
            if (!once(`pkg:${pkg.dir}`)) continue;
            const files = new Map([...pkg.files].map(([k, v]) => [k, v] as [string, string]));
            plan.objects.push({
              bucket: scripts,
              key: `${pkg.dir}.zip`,
              body: zip(files),
              what: "Glue job package",
            });
          }
        }
        break;
      case "code":
        if (once(`code:${r.path}`)) {
          plan.objects.push({
            bucket: lake,
            key: `${CODE_PREFIX}${r.path}`,
            body: read(r.path),
            what: "code SageMaker jobs read",
          });
        }
        break;
      case "lambda.function": {
        const name = names.lambdaFunction(r.pipeline, r.name);
        const file = path.posix.basename(r.source);
        plan.functions.push({
          name,
          role: roleArn(roles.lambda),
          handler: `${file.replace(/\.py$/, "")}.${r.handler}`,
          runtime: r.runtime,
          timeout: r.timeoutSeconds,
          memory: r.memoryMb,
          zip: zip(new Map([[file, read(r.source)]])),
        });
        plan.variables.set(r.variable, name);
        break;
      }
      case "sns.topic": {
        const name = names.snsTopic(r.pipeline, r.name);
        const arn = `arn:aws:sns:${REGION}:${ACCOUNT_ID}:${name}`;
        if (once(`topic:${name}`)) plan.topics.push({ name, arn });
        plan.variables.set(r.variable, arn);
        break;
      }
      case "sagemaker.names":
      case "sagemaker.endpoint":
        // Per-run names and endpoints are made by the DAG; they need the prefix and role.
        plan.variables.set(NAME_PREFIX, names.namePrefix());
        plan.variables.set(SAGEMAKER_ROLE_ARN, roleArn(roles.sagemaker));
        break;
      case "sagemaker.modelPackageGroup": {
        const name = names.modelPackageGroup(r.name);
        if (once(`group:${name}`)) plan.modelPackageGroups.push(name);
        plan.variables.set(NAME_PREFIX, names.namePrefix());
        break;
      }
      default:
        return unreachable(r);
    }
  }
  for (const v of compiled.manifest.variables) {
    if (!plan.variables.has(v))
      throw new Error(`the manifest names Airflow Variable ${v}, which no local resource provides`);
  }
  for (const v of plan.variables.keys()) plan.parameters.set(v, `${names.variablesPrefix()}/${v}`);
  return plan;
}

function glueJob(
  r: Of<"glue.job">,
  names: StackNames,
  role: string,
  scripts: string,
  root: string,
): LocalPlan["jobs"][number] {
  const packages = gluePackages(root, r.script).map((p) => `s3://${scripts}/${p.dir}.zip`);
  return {
    name: names.glueJob(r.pipeline, r.task),
    role,
    script: `s3://${scripts}/${r.script}`,
    glueVersion: r.glueVersion,
    workerType: r.workerType,
    workers: r.workers,
    timeoutMinutes: r.timeoutMinutes,
    maxRetries: r.maxRetries,
    // As the stack sets them (infra/glue.ts), less the CloudWatch settings moto ignores.
    defaultArguments: {
      "--job-language": "python",
      "--job-bookmark-option": r.bookmarks ? "job-bookmark-enable" : "job-bookmark-disable",
      ...(packages.length ? { "--extra-py-files": packages.join(",") } : {}),
    },
  };
}

/** The Airflow Variables a DAG file reads (`{{ var.value.<name> }}`). */
export function variablesRead(dagText: string): string[] {
  return [
    ...new Set([...dagText.matchAll(/\bvar\.value\.([A-Za-z0-9_]+)/g)].map((m) => m[1]!)),
  ].sort();
}

/** Variables the DAGs read that the plan does not provide; empty when all are provided. */
export function missingVariables(plan: LocalPlan, dags: ReadonlyMap<string, string>): string[] {
  const read = new Set([...dags.values()].flatMap(variablesRead));
  return [...read].filter((v) => !plan.variables.has(v)).sort();
}

export interface Clients {
  s3: S3Client;
  glue: GlueClient;
  iam: IAMClient;
  lambda: LambdaClient;
  sns: SNSClient;
  ssm: SSMClient;
  sagemaker: SageMakerClient;
}

export function clients(endpoint: string): Clients {
  const config = { endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 2 };
  return {
    s3: new S3Client({ ...config, forcePathStyle: true }),
    glue: new GlueClient(config),
    iam: new IAMClient(config),
    lambda: new LambdaClient(config),
    sns: new SNSClient(config),
    ssm: new SSMClient(config),
    sagemaker: new SageMakerClient(config),
  };
}

/** Creates the plan's resources in moto; `inbox` (an HTTP endpoint) is subscribed to every topic. */
export async function provision(plan: LocalPlan, endpoint: string, inbox?: string): Promise<void> {
  const c = clients(endpoint);
  await Promise.all([
    ...plan.buckets.map((Bucket) => c.s3.send(new CreateBucketCommand({ Bucket }))),
    ...plan.roles.map((r) =>
      c.iam.send(
        new CreateRoleCommand({
          RoleName: r.name,
          AssumeRolePolicyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              { Effect: "Allow", Principal: { Service: r.service }, Action: "sts:AssumeRole" },
            ],
          }),
        }),
      ),
    ),
    ...plan.databases.map((d) =>
      c.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: d.name } })),
    ),
  ]);
  await Promise.all([
    ...plan.objects.map((o) =>
      c.s3.send(new PutObjectCommand({ Bucket: o.bucket, Key: o.key, Body: o.body })),
    ),
    ...plan.crawlers.map((cr) =>
      c.glue.send(
        new CreateCrawlerCommand({
          Name: cr.name,
          Role: cr.role,
          DatabaseName: cr.database,
          Targets: { S3Targets: [{ Path: cr.path }] },
          ...(cr.tablePrefix ? { TablePrefix: cr.tablePrefix } : {}),
        }),
      ),
    ),
    ...plan.jobs.map((j) =>
      c.glue.send(
        new CreateJobCommand({
          Name: j.name,
          Role: j.role,
          Command: { Name: "glueetl", ScriptLocation: j.script, PythonVersion: "3" },
          GlueVersion: j.glueVersion,
          WorkerType: j.workerType as never,
          NumberOfWorkers: j.workers,
          Timeout: j.timeoutMinutes,
          MaxRetries: j.maxRetries,
          DefaultArguments: j.defaultArguments,
        }),
      ),
    ),
    ...plan.functions.map((f) =>
      c.lambda.send(
        new CreateFunctionCommand({
          FunctionName: f.name,
          Role: f.role,
          Handler: f.handler,
          Runtime: f.runtime as never,
          Timeout: f.timeout,
          MemorySize: f.memory,
          Code: { ZipFile: f.zip },
        }),
      ),
    ),
    ...plan.topics.map(async (t) => {
      const made = await c.sns.send(new CreateTopicCommand({ Name: t.name }));
      if (made.TopicArn !== t.arn)
        throw new Error(`topic ${t.name} is ${made.TopicArn}, not ${t.arn}`);
      if (inbox) {
        await c.sns.send(
          new SubscribeCommand({ TopicArn: t.arn, Protocol: "http", Endpoint: inbox }),
        );
      }
    }),
    ...plan.modelPackageGroups.map((ModelPackageGroupName) =>
      c.sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName })),
    ),
    ...[...plan.parameters].map(([variable, Name]) =>
      c.ssm.send(
        new PutParameterCommand({ Name, Value: plan.variables.get(variable)!, Type: "String" }),
      ),
    ),
  ]);
  for (const client of Object.values(c)) (client as { destroy(): void }).destroy();
}

function unreachable(x: never): never {
  throw new Error(`the local runner does not know resource ${JSON.stringify(x)}`);
}
