// The Amazon MWAA environment: its source bucket with the compiled DAGs and requirements.txt,
// its execution role, its log groups (created here so they have a retention and the stack key),
// and the environment itself, reading Airflow Variables from SSM through the secrets backend.

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "./config";
import { contentType } from "./files";
import { mwaaLogGroupName, type StackNames } from "./naming";
import type { AirflowLakeAccess } from "./plan";
import { mwaaRolePolicy, mwaaTrustPolicy, type AwsContext } from "./policies";
import { SecureBucket } from "./secure-bucket";

export const DAGS_PREFIX = "dags";
export const REQUIREMENTS_KEY = "requirements.txt";
export const SECRETS_BACKEND =
  "airflow.providers.amazon.aws.secrets.systems_manager.SystemsManagerParameterStoreBackend";

/** MWAA's five log types, by their loggingConfiguration key, with their log group suffix. */
export const LOG_TYPES = {
  dagProcessingLogs: "DAGProcessing",
  schedulerLogs: "Scheduler",
  taskLogs: "Task",
  webserverLogs: "WebServer",
  workerLogs: "Worker",
} as const;

export { mwaaLogGroupName } from "./naming";

export function airflowConfigurationOptions(names: StackNames): Record<string, string> {
  return {
    "secrets.backend": SECRETS_BACKEND,
    "secrets.backend_kwargs": JSON.stringify({
      connections_prefix: names.connectionsPrefix(),
      variables_prefix: names.variablesPrefix(),
    }),
  };
}

export interface MwaaArgs {
  names: StackNames;
  config: Pick<
    StackConfig,
    | "airflow"
    | "environmentClass"
    | "minWorkers"
    | "maxWorkers"
    | "schedulers"
    | "webserverAccessMode"
    | "weeklyMaintenanceWindowStart"
    | "noncurrentVersionDays"
    | "logRetentionDays"
  >;
  context: pulumi.Input<AwsContext>;
  sourceBucketName: pulumi.Input<string>;
  logBucketName: pulumi.Input<string>;
  keyArn: pulumi.Input<string>;
  /** The files of generated-dags/, by path inside it. */
  dags: ReadonlyMap<string, string>;
  requirements: string;
  subnetIds: pulumi.Input<string[]>;
  securityGroupId: pulumi.Input<string>;
  /** What the DAGs call, for the execution role. */
  grants: {
    lakeBucketArn: pulumi.Input<string>;
    crawlerNames: string[];
    jobNames: string[];
    /** What Airflow's workers read, write and list in the lake themselves. */
    lake: AirflowLakeAccess;
    functionNames: string[];
    topicNames: string[];
    /** Present when the DAGs run SageMaker: physical endpoint and package group names. */
    sagemaker?: {
      roleArn: pulumi.Input<string>;
      endpoints: string[];
      modelPackageGroups: string[];
    };
  };
}

export class MwaaEnvironment extends pulumi.ComponentResource {
  readonly sourceBucket: SecureBucket;
  readonly role: aws.iam.Role;
  readonly environment: aws.mwaa.Environment;
  readonly requirements: aws.s3.BucketObjectv2;
  readonly dagObjects: Record<string, aws.s3.BucketObjectv2> = {};
  readonly webserverUrl: pulumi.Output<string>;

  constructor(name: string, args: MwaaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dagspec:airflow:MwaaEnvironment", name, {}, opts);
    const child = { parent: this };
    const { names, config } = args;
    const environmentName = names.mwaaEnvironment();

    // MWAA requires a versioned source bucket with public access blocked.
    this.sourceBucket = new SecureBucket(
      `${name}-source`,
      {
        bucketName: args.sourceBucketName,
        encryption: { kind: "kms", keyArn: args.keyArn },
        noncurrentVersionDays: config.noncurrentVersionDays,
        accessLogs: { bucket: args.logBucketName, prefix: "airflow/" },
        // DAG files and requirements.txt are uploaded from the repository again by the next stack.
        forceDestroy: true,
      },
      child,
    );
    const bucket = this.sourceBucket.name;
    const afterBucket = { ...child, dependsOn: this.sourceBucket.ready };

    // One object per file: a DAG removed from generated-dags/ loses its resource, and Pulumi
    // deletes the object.
    for (const [file, content] of [...args.dags].sort(([a], [b]) => a.localeCompare(b))) {
      this.dagObjects[file] = new aws.s3.BucketObjectv2(
        `${name}-dag-${file}`,
        { bucket, key: `${DAGS_PREFIX}/${file}`, content, contentType: contentType(file) },
        afterBucket,
      );
    }
    this.requirements = new aws.s3.BucketObjectv2(
      `${name}-requirements`,
      { bucket, key: REQUIREMENTS_KEY, content: args.requirements, contentType: "text/plain" },
      afterBucket,
    );

    const logGroups = Object.values(LOG_TYPES).map(
      (type) =>
        new aws.cloudwatch.LogGroup(
          `${name}-logs-${type}`,
          {
            name: mwaaLogGroupName(environmentName, type),
            retentionInDays: config.logRetentionDays,
            kmsKeyId: args.keyArn,
          },
          child,
        ),
    );

    const context = pulumi.output(args.context);
    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        name: names.role("mwaa"),
        description: `Execution role of the MWAA environment ${environmentName}`,
        assumeRolePolicy: context.apply((c) => JSON.stringify(mwaaTrustPolicy(c, environmentName))),
      },
      child,
    );
    const g = args.grants;
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.id,
        policy: pulumi
          .all([context, this.sourceBucket.arn, args.keyArn, g.lakeBucketArn, g.sagemaker?.roleArn])
          .apply(([c, sourceBucketArn, keyArn, lakeArn, sagemakerRoleArn]) =>
            JSON.stringify(
              mwaaRolePolicy(c, {
                environmentName,
                sourceBucketArn,
                keyArn,
                lakeArn,
                crawlerNames: g.crawlerNames,
                jobNames: g.jobNames,
                lake: g.lake,
                functionNames: g.functionNames,
                topicNames: g.topicNames,
                variablesPrefix: names.variablesPrefix(),
                connectionsPrefix: names.connectionsPrefix(),
                ...(g.sagemaker && sagemakerRoleArn !== undefined
                  ? {
                      sagemaker: {
                        roleArn: sagemakerRoleArn,
                        namePrefix: names.namePrefix(),
                        endpoints: g.sagemaker.endpoints,
                        modelPackageGroups: g.sagemaker.modelPackageGroups,
                      },
                    }
                  : {}),
              }),
            ),
          ),
      },
      child,
    );

    const logging = Object.fromEntries(
      Object.keys(LOG_TYPES).map((key) => [key, { enabled: true, logLevel: "INFO" }]),
    );
    this.environment = new aws.mwaa.Environment(
      name,
      {
        name: environmentName,
        airflowVersion: config.airflow.version,
        environmentClass: config.environmentClass,
        minWorkers: config.minWorkers,
        maxWorkers: config.maxWorkers,
        schedulers: config.schedulers,
        executionRoleArn: this.role.arn,
        kmsKey: args.keyArn,
        sourceBucketArn: this.sourceBucket.arn,
        dagS3Path: DAGS_PREFIX,
        requirementsS3Path: REQUIREMENTS_KEY,
        // A new requirements version updates the environment; the same one leaves it alone.
        requirementsS3ObjectVersion: this.requirements.versionId,
        networkConfiguration: {
          subnetIds: args.subnetIds,
          securityGroupIds: [args.securityGroupId],
        },
        loggingConfiguration: logging,
        webserverAccessMode: config.webserverAccessMode,
        weeklyMaintenanceWindowStart: config.weeklyMaintenanceWindowStart,
        airflowConfigurationOptions: airflowConfigurationOptions(names),
      },
      {
        ...child,
        dependsOn: [rolePolicy, ...logGroups, ...Object.values(this.dagObjects)],
      },
    );
    this.webserverUrl = pulumi.interpolate`https://${this.environment.webserverUrl}`;
    this.registerOutputs({
      environmentName: this.environment.name,
      webserverUrl: this.webserverUrl,
      sourceBucket: bucket,
      roleArn: this.role.arn,
    });
  }
}

/**
 * A shell command that triggers a DAG through the MWAA CLI endpoint (no Airflow login needed,
 * only `airflow:CreateCliToken` on the environment). The response holds the CLI output in
 * base64.
 */
export function triggerCommand(environmentName: string, region: string, dagId: string): string {
  return (
    `aws mwaa create-cli-token --name ${environmentName} --region ${region} ` +
    `--query '[CliToken,WebServerHostname]' --output text | ` +
    `{ read -r token host; curl -sS -X POST "https://$host/aws_mwaa/cli" ` +
    `-H "Authorization: Bearer $token" -H "Content-Type: text/plain" --data-raw 'dags trigger ${dagId}'; }`
  );
}
