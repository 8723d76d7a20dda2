// The program: compile the project's specs, plan the stack from the compiler's manifest, build
// the components. A function of the project root and the configuration, so tests run it on any
// checkout under Pulumi's mocks.

import * as fs from "node:fs";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { runtimeSource } from "../cli/paths";
import { compileProject, type CompileResult } from "../compiler/compile";
import { formatDiagnostic } from "../compiler/diagnostics";
import type { AirflowTarget, DatasetLocation } from "../compiler/ir";
import { diskProject, OUTPUT_DIR, SPECS_DIR } from "../compiler/project";
import type { StackConfig } from "./config";
import { DataLake } from "./data-lake";
import { compareTrees, describeDifference, gluePackages, isSameTree, readTree } from "./files";
import { GluePipelines } from "./glue";
import { StackKey } from "./kms";
import { MwaaEnvironment, triggerCommand } from "./mwaa";
import { MwaaNetwork } from "./mwaa-network";
import { bucketName, stackTags, StackNames, type BucketPurpose, type Naming } from "./naming";
import { checkDagVariables, planStack, type StackPlan } from "./plan";
import { bucketArn, type AwsContext } from "./policies";
import { requirementsTxt } from "./requirements";
import { SageMakerRole } from "./sagemaker";
import { AirflowVariables, variableValue } from "./variables";

/** The target `dagspec compile` writes generated-dags/ for, the folder CI checks and commits. */
export const COMMITTED_TARGET: AirflowTarget = "2.10";

export interface StackOptions {
  /** The project folder: the one holding Pulumi.yaml, dags-src/ and generated-dags/. */
  root: string;
  config: StackConfig;
}

export interface StackOutputs {
  webserverUrl: pulumi.Output<string>;
  environmentName: string;
  region: string;
  airflowVersion: string;
  kmsKeyArn: pulumi.Output<string>;
  buckets: Record<BucketPurpose, pulumi.Output<string>>;
  roles: {
    mwaa: pulumi.Output<string>;
    sagemaker: pulumi.Output<string>;
    glue: Record<string, pulumi.Output<string>>;
  };
  databases: Record<string, pulumi.Output<string>>;
  crawlers: Record<string, pulumi.Output<string>>;
  jobs: Record<string, pulumi.Output<string>>;
  /** SSM parameter names by Airflow Variable. */
  variables: Record<string, pulumi.Output<string>>;
  /** A shell command per pipeline id that triggers its DAG. */
  triggerCommands: Record<string, string>;
}

export interface CompiledProject {
  compiled: CompileResult;
  plan: StackPlan;
  /** What goes to the Airflow bucket's dags/ folder, by path inside generated-dags/. */
  dags: Map<string, string>;
}

/**
 * Compiles the specs for the stack's Airflow target and checks that the committed
 * generated-dags/ is what the compiler writes, so a stale folder never reaches Airflow. For the
 * committed target the committed files are uploaded as they are (the same bytes); for another
 * target, the compiler's output for it.
 */
export function compileForStack(root: string, target: AirflowTarget): CompiledProject {
  if (!fs.existsSync(path.join(root, SPECS_DIR))) {
    throw new Error(`no ${SPECS_DIR}/ in ${root}: run the program from the dagspec project folder`);
  }
  const project = diskProject(root);
  const runtime = runtimeSource();
  const compiled = compileProject(project, { target, runtime });
  if (compiled.diagnostics.length) {
    const shown = compiled.diagnostics.map((d) =>
      formatDiagnostic(d, compiled.sources.get(d.file)),
    );
    throw new Error(`the specs do not compile:\n${shown.join("\n")}`);
  }
  const committed =
    target === COMMITTED_TARGET
      ? compiled
      : compileProject(project, { target: COMMITTED_TARGET, runtime });
  const onDisk = readTree(root, OUTPUT_DIR);
  const difference = compareTrees(committed.dags, onDisk);
  if (!isSameTree(difference)) {
    throw new Error(
      `${OUTPUT_DIR}/ does not match ${SPECS_DIR}/ (${describeDifference(difference)}): ` +
        "run `dagspec compile` and commit the result",
    );
  }
  const plan = planStack(compiled);
  const dags = target === COMMITTED_TARGET ? onDisk : new Map(compiled.dags);
  checkDagVariables(plan, dags);
  return { compiled, plan, dags };
}

export function buildStack({ root, config }: StackOptions): StackOutputs {
  const naming: Naming = { project: pulumi.getProject(), stack: pulumi.getStack() };
  const names = new StackNames(naming);
  const { plan, dags } = compileForStack(root, config.airflow.target);
  for (const warning of plan.warnings) pulumi.log.warn(warning);

  const scripts = new Map(
    plan.glueJobs.map((j) => [j.script, fs.readFileSync(path.join(root, j.script), "utf8")]),
  );
  const packages = new Map(plan.glueJobs.map((j) => [j.script, gluePackages(root, j.script)]));

  // One explicit provider: the region from the configuration, the stack's tags on everything.
  const provider = new aws.Provider(`${naming.project}-${naming.stack}`, {
    region: config.region as aws.Region,
    defaultTags: { tags: stackTags(naming, config.tags) },
  });
  const opts: pulumi.ComponentResourceOptions = { providers: { aws: provider } };
  const identity = aws.getCallerIdentityOutput({}, { provider });
  const partition = aws.getPartitionOutput({}, { provider });
  const context: pulumi.Output<AwsContext> = pulumi
    .all([identity.accountId, partition.partition])
    .apply(([accountId, p]) => ({ partition: p, region: config.region, accountId }));
  const bucketNameOf = (purpose: BucketPurpose) =>
    identity.accountId.apply((account) => bucketName(naming, purpose, account, config.region));
  const arnOf = (bucket: pulumi.Output<string>) =>
    pulumi.all([partition.partition, bucket]).apply(([p, b]) => bucketArn({ partition: p }, b));
  const buckets = {
    lake: bucketNameOf("lake"),
    logs: bucketNameOf("logs"),
    scripts: bucketNameOf("scripts"),
    airflow: bucketNameOf("airflow"),
  };

  const key = new StackKey(
    "key",
    {
      context,
      alias: names.kmsAlias(),
      retain: config.protectLake,
      ...(config.kms.create ? {} : { existingKeyArn: config.kms.keyArn }),
    },
    opts,
  );
  const lake = new DataLake(
    "lake",
    {
      lakeBucketName: buckets.lake,
      logBucketName: buckets.logs,
      keyArn: key.arn,
      accountId: identity.accountId,
      loggedBucketArns: [buckets.lake, buckets.scripts, buckets.airflow].map(arnOf),
      noncurrentVersionDays: config.noncurrentVersionDays,
      logRetentionDays: config.logRetentionDays,
      protect: config.protectLake,
    },
    opts,
  );
  const glue = new GluePipelines(
    "glue",
    {
      names,
      plan,
      context,
      lakeBucketName: lake.lake.name,
      lakeBucketArn: lake.lake.arn,
      scriptsBucketName: buckets.scripts,
      logBucketName: lake.logs.name,
      keyArn: key.arn,
      scripts,
      packages,
      noncurrentVersionDays: config.noncurrentVersionDays,
      logRetentionDays: config.logRetentionDays,
    },
    opts,
  );
  const sagemaker = new SageMakerRole(
    "sagemaker",
    {
      roleName: names.role("sagemaker"),
      context,
      lakeBucketArn: lake.lake.arn,
      locations: uniqueLocations(plan.datasets.map((d) => d.location)),
      keyArn: key.arn,
    },
    opts,
  );
  const network = new MwaaNetwork(
    "network",
    {
      region: config.region,
      cidrBlock: config.vpcCidr,
      natStrategy: config.natStrategy,
      securityGroupName: names.securityGroup("mwaa"),
      sagemaker: plan.sagemaker,
    },
    opts,
  );
  const airflow = new MwaaEnvironment(
    "airflow",
    {
      names,
      config,
      context,
      sourceBucketName: buckets.airflow,
      logBucketName: lake.logs.name,
      keyArn: key.arn,
      dags,
      requirements: requirementsTxt(config.airflow.version, config.natStrategy !== "none"),
      subnetIds: network.privateSubnetIds,
      securityGroupId: network.securityGroup.id,
      grants: {
        lakeBucketArn: lake.lake.arn,
        crawlerNames: plan.crawlers.map((c) => names.glueCrawler(c.pipeline, c.dataset)),
        jobNames: plan.glueJobs.map((j) => names.glueJob(j.pipeline, j.task)),
        helperLocations: uniqueLocations(plan.pipelines.flatMap((p) => p.helperLocations)),
        ...(plan.sagemaker ? { sagemaker: { roleArn: sagemaker.arn } } : {}),
      },
    },
    opts,
  );
  const sources = {
    lakeBucket: lake.lake.name,
    databases: glue.databaseNames,
    crawlers: glue.crawlerNames,
    jobs: glue.jobNames,
  };
  const variables = new AirflowVariables(
    "variables",
    {
      prefix: names.variablesPrefix(),
      variables: plan.variables.map((v) => ({
        name: v.name,
        value: variableValue(v.target, sources),
      })),
    },
    opts,
  );

  const environmentName = names.mwaaEnvironment();
  const pipelineIds = [...new Set(plan.pipelines.map((p) => p.id))].sort();
  return {
    webserverUrl: airflow.webserverUrl,
    environmentName,
    region: config.region,
    airflowVersion: config.airflow.version,
    kmsKeyArn: key.arn,
    buckets: {
      lake: lake.lake.name,
      logs: lake.logs.name,
      scripts: glue.scriptsBucket.name,
      airflow: airflow.sourceBucket.name,
    },
    roles: { mwaa: airflow.role.arn, sagemaker: sagemaker.arn, glue: glue.roleArns },
    databases: glue.databaseNames,
    crawlers: glue.crawlerNames,
    jobs: glue.jobNames,
    variables: variables.parameters,
    triggerCommands: Object.fromEntries(
      pipelineIds.map((id) => [id, triggerCommand(environmentName, config.region, id)]),
    ),
  };
}

function uniqueLocations(locations: DatasetLocation[]): DatasetLocation[] {
  const seen = new Map(locations.map((l) => [JSON.stringify(l), l]));
  return [...seen.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, l]) => l);
}
