// The program: check the Airflow version against the spec set's target, compile the project's
// specs, plan the stack from the compiler's manifest, build the components. A function of the
// project root and the configuration, so tests run it on any checkout under Pulumi's mocks.
// Everything that can fail on the project's files fails before the first resource is declared.

import * as fs from "node:fs";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { runtimeSource } from "../cli/paths";
import { compileProject, type CompileResult } from "../compiler/compile";
import { MWAA_VERSIONS, readConfig as readProjectConfig } from "../compiler/config";
import { formatDiagnostic } from "../compiler/diagnostics";
import type { AirflowTarget, DatasetLocation } from "../compiler/ir";
import { CONFIG_PATH, diskProject, OUTPUT_DIR, SPECS_DIR } from "../compiler/project";
import { codeFolders, LakeCode } from "./code";
import { NAMESPACE, type StackConfig } from "./config";
import { DataLake } from "./data-lake";
import { compareTrees, describeDifference, gluePackages, isSameTree, readTree } from "./files";
import { GluePipelines } from "./glue";
import { imageRepositories } from "./images";
import { StackKey } from "./kms";
import { LambdaFunctions } from "./lambda";
import { MwaaEnvironment, triggerCommand } from "./mwaa";
import { MwaaNetwork } from "./mwaa-network";
import { OperatorAccess } from "./operators";
import {
  bucketName,
  LIMITS,
  mwaaLogGroupName,
  stackTags,
  StackNames,
  type BucketPurpose,
  type Naming,
} from "./naming";
import { checkDagVariables, mergeLakeAccess, planStack, type StackPlan } from "./plan";
import { bucketArn, type AwsContext } from "./policies";
import { requirementsTxt } from "./requirements";
import { SageMakerRole } from "./sagemaker";
import { Topics } from "./topics";
import { AirflowVariables, variableValue } from "./variables";

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
  /** Lambda function names and SNS topic ARNs by the Airflow Variable that holds them. */
  functions: Record<string, pulumi.Output<string>>;
  topics: Record<string, pulumi.Output<string>>;
  /** The prefix of the stack's SageMaker jobs, models, endpoints and model package groups. */
  namePrefix: string;
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
 * The compiler target of the spec set (dags-src/dagspec.config.yaml), checked against the
 * stack's Airflow version before anything else: the DAGs in generated-dags/ are compiled for
 * that target, and MWAA must run the version they were compiled for.
 */
export function projectTarget(root: string, config: Pick<StackConfig, "airflow">): AirflowTarget {
  if (!fs.existsSync(path.join(root, SPECS_DIR))) {
    throw new Error(`no ${SPECS_DIR}/ in ${root}: run the program from the dagspec project folder`);
  }
  const project = readProjectConfig(diskProject(root));
  if (project.diagnostics.length) {
    const shown = project.diagnostics.map((d) => formatDiagnostic(d, project.source));
    throw new Error(`${CONFIG_PATH} is not valid:\n${shown.join("\n")}`);
  }
  const wanted = MWAA_VERSIONS[project.target];
  if (config.airflow.version !== wanted) {
    throw new Error(
      `${NAMESPACE}:airflowVersion is ${config.airflow.version}, but ${CONFIG_PATH} compiles the ` +
        `DAGs for Airflow ${project.target} (key airflow), which MWAA runs as ${wanted}: set ` +
        `${NAMESPACE}:airflowVersion to ${wanted}, or change airflow in ${CONFIG_PATH} and run ` +
        "`dagspec compile`",
    );
  }
  return project.target;
}

/**
 * Compiles the specs for the spec set's Airflow target and checks that the committed
 * generated-dags/ is what the compiler writes, so a stale folder never reaches Airflow. The
 * committed files are uploaded as they are: the same bytes CI imported.
 */
export function compileForStack(root: string, target: AirflowTarget): CompiledProject {
  const project = diskProject(root);
  const compiled = compileProject(project, { target, runtime: runtimeSource() });
  if (compiled.diagnostics.length) {
    const shown = compiled.diagnostics.map((d) =>
      formatDiagnostic(d, compiled.sources.get(d.file)),
    );
    throw new Error(`the specs do not compile:\n${shown.join("\n")}`);
  }
  const onDisk = readTree(root, OUTPUT_DIR);
  const difference = compareTrees(compiled.dags, onDisk);
  if (!isSameTree(difference)) {
    throw new Error(
      `${OUTPUT_DIR}/ does not match ${SPECS_DIR}/ (${describeDifference(difference)}): ` +
        "run `dagspec compile` and commit the result",
    );
  }
  const plan = planStack(compiled);
  checkDagVariables(plan, onDisk);
  return { compiled, plan, dags: onDisk };
}

/**
 * Fails when a SageMaker name the DAGs build would pass SageMaker's limit: the stack's prefix,
 * the task's part, the run's ts_nodash (15), and the 14 characters the provider's operators add
 * when a retry finds the name taken.
 */
export function checkSageMakerNames(plan: StackPlan, prefix: string): void {
  const tooLong: string[] = [];
  for (const n of plan.sagemakerNames) {
    const longest = `${prefix}-${n.prefix}-`.length + 15 + 14;
    if (longest > LIMITS.sagemakerName) tooLong.push(`${n.pipeline}.${n.task} (${longest})`);
  }
  for (const e of [...plan.endpoints, ...plan.modelPackageGroups]) {
    const name = `${prefix}-${e.name}`;
    if (name.length > LIMITS.sagemakerName) tooLong.push(`${e.pipeline}: ${name}`);
  }
  if (tooLong.length) {
    throw new Error(
      `SageMaker names over ${LIMITS.sagemakerName} characters: ${tooLong.join(", ")}`,
    );
  }
}

export function buildStack({ root, config }: StackOptions): StackOutputs {
  const naming: Naming = { project: pulumi.getProject(), stack: pulumi.getStack() };
  const names = new StackNames(naming);
  const target = projectTarget(root, config);
  const { plan, dags } = compileForStack(root, target);
  const namePrefix = names.namePrefix();
  checkSageMakerNames(plan, namePrefix);
  for (const warning of plan.warnings) pulumi.log.warn(warning);

  const readProjectFile = (file: string) => fs.readFileSync(path.join(root, file), "utf8");
  const scripts = new Map(plan.glueJobs.map((j) => [j.script, readProjectFile(j.script)]));
  const code = new Map(plan.code.map((c) => [c.path, readProjectFile(c.path)]));
  const handlers = new Map(plan.functions.map((f) => [f.source, readProjectFile(f.source)]));
  const sagemakerPipelines = plan.pipelines.filter((p) => p.sagemaker);
  const repositories = imageRepositories(
    config.region,
    sagemakerPipelines.flatMap((p) => p.images),
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
  new LakeCode(
    "code",
    { lakeBucketName: lake.lake.name, keyArn: key.arn, files: code, after: lake.lake.ready },
    opts,
  );
  const sagemaker = new SageMakerRole(
    "sagemaker",
    {
      roleName: names.role("sagemaker"),
      context,
      lakeBucketArn: lake.lake.arn,
      locations: uniqueLocations(sagemakerPipelines.flatMap((p) => p.datasets)),
      codeFolders: codeFolders(plan.code.map((c) => c.path)),
      repositories,
      namePrefix,
      keyArn: key.arn,
    },
    opts,
  );
  const functions = new LambdaFunctions(
    "lambda",
    {
      names,
      pipelines: plan.pipelines.filter((p) => p.functions.length > 0),
      context,
      lakeBucketArn: lake.lake.arn,
      keyArn: key.arn,
      sources: handlers,
      logRetentionDays: config.logRetentionDays,
    },
    opts,
  );
  const topics = new Topics("topics", { names, topics: plan.topics, keyArn: key.arn }, opts);
  const network = new MwaaNetwork(
    "network",
    {
      region: config.region,
      cidrBlock: config.vpcCidr,
      natStrategy: config.natStrategy,
      securityGroupName: names.securityGroup("mwaa"),
      calls: plan.airflowServices,
      context,
      keyArn: key.arn,
      logRetentionDays: config.logRetentionDays,
      flowLogGroupName: names.vpcFlowLogGroup(),
      flowLogRoleName: names.role("flow-logs"),
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
        lake: mergeLakeAccess(plan.pipelines.map((p) => p.airflowLake)),
        functionNames: plan.functions.map((f) => names.lambdaFunction(f.pipeline, f.name)),
        topicNames: plan.topics.map((t) => names.snsTopic(t.pipeline, t.name)),
        ...(plan.sagemaker
          ? {
              sagemaker: {
                roleArn: sagemaker.arn,
                endpoints: unique(plan.endpoints.map((e) => names.sagemakerEndpoint(e.name))),
                modelPackageGroups: unique(
                  plan.modelPackageGroups.map((g) => names.modelPackageGroup(g.name)),
                ),
              },
            }
          : {}),
      },
    },
    opts,
  );
  const sources = {
    lakeBucket: lake.lake.name,
    databases: glue.databaseNames,
    crawlers: glue.crawlerNames,
    jobs: glue.jobNames,
    functions: functions.functionNames,
    topics: topics.arns,
    namePrefix,
    sagemakerRoleArn: sagemaker.arn,
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
  const { roleName, groupName, airflowRole } = config.operators;
  if (roleName || groupName) {
    new OperatorAccess(
      "operators",
      {
        policyName: names.role("operators"),
        context,
        environmentName,
        airflowRole,
        taskLogGroup: mwaaLogGroupName(environmentName, "Task"),
        ...(roleName ? { roleName } : {}),
        ...(groupName ? { groupName } : {}),
      },
      { ...opts, dependsOn: [airflow] },
    );
  }
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
    functions: functions.functionNames,
    topics: topics.arns,
    namePrefix,
    variables: variables.parameters,
    triggerCommands: Object.fromEntries(
      pipelineIds.map((id) => [id, triggerCommand(environmentName, config.region, id)]),
    ),
  };
}

function unique(items: string[]): string[] {
  return [...new Set(items)].sort();
}

function uniqueLocations(locations: DatasetLocation[]): DatasetLocation[] {
  const seen = new Map(locations.map((l) => [JSON.stringify(l), l]));
  return [...seen.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, l]) => l);
}
