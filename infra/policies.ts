// Every IAM, bucket and key policy of the stack, as pure functions of names and ARNs. Each grant
// names the API calls that need it; nothing is granted on `*` unless the action has no resource
// type (noted where it happens).

import type { DatasetLocation } from "../compiler/ir";
import type { Repository } from "./images";
import type { AirflowLakeAccess } from "./plan";

export interface AwsContext {
  partition: string;
  region: string;
  accountId: string;
}

export type ConditionValue = string | string[] | boolean;
export type Condition = Record<string, Record<string, ConditionValue>>;

export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: "*" | { AWS?: string | string[]; Service?: string | string[] };
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Condition;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: Statement[];
}

export function policy(...statements: Statement[]): PolicyDocument {
  return { Version: "2012-10-17", Statement: statements };
}

export function arn(c: AwsContext, service: string, resource: string, global = false): string {
  return `arn:${c.partition}:${service}:${global ? "" : c.region}:${c.accountId}:${resource}`;
}

export function bucketArn(c: Pick<AwsContext, "partition">, bucket: string): string {
  return `arn:${c.partition}:s3:::${bucket}`;
}

/** Escapes the characters IAM reads as wildcards or variables, so a lake path means itself. */
export function iamLiteral(s: string): string {
  return s.replace(/[$*?]/g, (ch) => "${" + ch + "}");
}

// ---------------------------------------------------------------- trust

/** A role only the given AWS services may assume. */
export function serviceTrustPolicy(services: string[], condition?: Condition): PolicyDocument {
  return policy({
    Effect: "Allow",
    Principal: { Service: services.length === 1 ? services[0]! : services },
    Action: "sts:AssumeRole",
    ...(condition ? { Condition: condition } : {}),
  });
}

/** Glue passes no source account or ARN for every kind of run, so its trust has no condition. */
export function glueTrustPolicy(): PolicyDocument {
  return serviceTrustPolicy(["glue.amazonaws.com"]);
}

export function sagemakerTrustPolicy(c: AwsContext): PolicyDocument {
  return serviceTrustPolicy(["sagemaker.amazonaws.com"], {
    StringEquals: { "aws:SourceAccount": c.accountId },
  });
}

/** MWAA's documented confused-deputy guard: this account and this environment only. */
export function mwaaTrustPolicy(c: AwsContext, environmentName: string): PolicyDocument {
  return serviceTrustPolicy(["airflow.amazonaws.com", "airflow-env.amazonaws.com"], {
    StringEquals: { "aws:SourceAccount": c.accountId },
    ArnLike: { "aws:SourceArn": arn(c, "airflow", `environment/${environmentName}`) },
  });
}

/**
 * The VPC flow logs service, for this account's flow logs only: the confused-deputy guard the
 * VPC User Guide recommends ("IAM role for publishing flow logs to CloudWatch Logs").
 */
export function flowLogsTrustPolicy(c: AwsContext): PolicyDocument {
  return serviceTrustPolicy(["vpc-flow-logs.amazonaws.com"], {
    StringEquals: { "aws:SourceAccount": c.accountId },
    ArnLike: { "aws:SourceArn": arn(c, "ec2", "vpc-flow-log/*") },
  });
}

// ---------------------------------------------------------------- buckets and key

export function denyInsecureTransport(bucket: string): Statement {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucket, `${bucket}/*`],
    Condition: { Bool: { "aws:SecureTransport": false } },
  };
}

export function bucketPolicy(bucket: string, extra: Statement[] = []): PolicyDocument {
  return policy(denyInsecureTransport(bucket), ...extra);
}

/** S3 server access logging writes with the logging service principal, for our buckets only. */
export function allowAccessLogDelivery(
  logBucket: string,
  sourceBuckets: string[],
  accountId: string,
): Statement {
  return {
    Sid: "AllowServerAccessLogs",
    Effect: "Allow",
    Principal: { Service: "logging.s3.amazonaws.com" },
    Action: "s3:PutObject",
    Resource: `${logBucket}/*`,
    Condition: {
      StringEquals: { "aws:SourceAccount": accountId },
      ArnLike: { "aws:SourceArn": sourceBuckets },
    },
  };
}

/**
 * The stack key's policy: the account administers it through IAM (the default key policy, so
 * roles need their own grants), and CloudWatch Logs may use it for this account's log groups
 * (Glue's encrypted logs, MWAA's logs, the groups the stack creates).
 */
export function keyPolicy(c: AwsContext): PolicyDocument {
  return policy(
    {
      Sid: "AccountAdministersThroughIam",
      Effect: "Allow",
      Principal: { AWS: `arn:${c.partition}:iam::${c.accountId}:root` },
      Action: "kms:*",
      Resource: "*",
    },
    {
      Sid: "CloudWatchLogsOfThisAccount",
      Effect: "Allow",
      Principal: { Service: `logs.${c.region}.amazonaws.com` },
      Action: [
        "kms:Encrypt*",
        "kms:Decrypt*",
        "kms:ReEncrypt*",
        "kms:GenerateDataKey*",
        "kms:Describe*",
      ],
      Resource: "*",
      Condition: {
        ArnLike: { "kms:EncryptionContext:aws:logs:arn": arn(c, "logs", "log-group:*") },
      },
    },
  );
}

/**
 * What the flow logs service does with its role: the VPC User Guide's list, less
 * logs:CreateLogGroup (the stack creates the group) and on that one group only.
 */
export function flowLogsRolePolicy(c: AwsContext, logGroup: string): PolicyDocument {
  return policy(
    {
      Sid: "FlowLogGroup",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
      Resource: arn(c, "logs", `log-group:${logGroup}:*`),
    },
    {
      // DescribeLogGroups has no resource type.
      Sid: "DescribeLogGroups",
      Effect: "Allow",
      Action: "logs:DescribeLogGroups",
      Resource: "*",
    },
  );
}

// ---------------------------------------------------------------- lake access

export type Access = "read" | "readwrite";

const READ = ["s3:GetObject"];
// Spark writes with multipart uploads and deletes its _temporary files.
const WRITE = [
  "s3:PutObject",
  "s3:DeleteObject",
  "s3:AbortMultipartUpload",
  "s3:ListMultipartUploadParts",
];

/** Object ARNs of dataset locations: everything under a prefix, or exactly one key. */
export function locationObjectArns(
  lakeArn: string,
  locations: readonly DatasetLocation[],
): string[] {
  return locations.map((l) =>
    "prefix" in l ? `${lakeArn}/${iamLiteral(l.prefix)}*` : `${lakeArn}/${iamLiteral(l.key)}`,
  );
}

/**
 * `s3:prefix` values for listing dataset locations. Hadoop's S3 file systems also list a path
 * without its trailing slash and a key as if it were a folder, to tell files from folders.
 */
export function locationListPrefixes(locations: readonly DatasetLocation[]): string[] {
  const out = new Set<string>();
  for (const l of locations) {
    if ("prefix" in l) {
      out.add(`${iamLiteral(l.prefix)}*`);
      out.add(iamLiteral(l.prefix.replace(/\/$/, "")));
    } else {
      out.add(iamLiteral(l.key));
      out.add(`${iamLiteral(l.key)}/*`);
    }
  }
  return [...out].sort();
}

export function lakeStatements(
  sid: string,
  lakeArn: string,
  locations: readonly DatasetLocation[],
  access: Access,
): Statement[] {
  if (locations.length === 0) return [];
  return [
    { Sid: `${sid}Location`, Effect: "Allow", Action: "s3:GetBucketLocation", Resource: lakeArn },
    {
      Sid: `${sid}List`,
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: lakeArn,
      Condition: { StringLike: { "s3:prefix": locationListPrefixes(locations) } },
    },
    {
      Sid: `${sid}Objects`,
      Effect: "Allow",
      Action: access === "read" ? READ : [...READ, ...WRITE],
      Resource: locationObjectArns(lakeArn, locations),
    },
  ];
}

/** Use of the stack key through S3 only: reading and writing SSE-KMS objects. */
function keyViaS3(c: AwsContext, keyArn: string): Statement {
  return {
    Sid: "StackKeyThroughS3",
    Effect: "Allow",
    Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
    Resource: keyArn,
    Condition: { StringEquals: { "kms:ViaService": `s3.${c.region}.amazonaws.com` } },
  };
}

// ---------------------------------------------------------------- Glue

export interface GlueRoleInputs {
  lakeArn: string;
  /** The pipeline's datasets: read and written by its jobs. */
  locations: DatasetLocation[];
  scriptsBucketArn: string;
  /** Object keys of the job scripts and libraries the role's jobs load. */
  scriptKeys: string[];
  /** Physical names of the catalog databases the role reads (and writes when it crawls). */
  databases: string[];
  crawls: boolean;
  keyArn: string;
}

const CATALOG_READ = [
  "glue:GetDatabase",
  "glue:GetTable",
  "glue:GetTables",
  "glue:GetPartition",
  "glue:GetPartitions",
  "glue:BatchGetPartition",
];
// A crawler with UPDATE_IN_DATABASE / DEPRECATE_IN_DATABASE creates and updates, never deletes.
const CATALOG_CRAWL = [
  "glue:CreateTable",
  "glue:UpdateTable",
  "glue:CreatePartition",
  "glue:BatchCreatePartition",
  "glue:UpdatePartition",
  "glue:BatchUpdatePartition",
];

/** The role of one pipeline's crawlers and Glue jobs. */
export function glueRolePolicy(c: AwsContext, g: GlueRoleInputs): PolicyDocument {
  const statements: Statement[] = [...lakeStatements("Lake", g.lakeArn, g.locations, "readwrite")];
  if (g.scriptKeys.length) {
    statements.push({
      Sid: "JobScripts",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: g.scriptKeys.map((k) => `${g.scriptsBucketArn}/${iamLiteral(k)}`),
    });
  }
  if (g.databases.length) {
    const catalog = [
      arn(c, "glue", "catalog"),
      ...g.databases.flatMap((d) => [
        arn(c, "glue", `database/${d}`),
        arn(c, "glue", `table/${d}/*`),
      ]),
    ];
    statements.push({
      Sid: "Catalog",
      Effect: "Allow",
      Action: g.crawls ? [...CATALOG_READ, ...CATALOG_CRAWL] : CATALOG_READ,
      Resource: catalog,
    });
  }
  statements.push(
    {
      Sid: "Logs",
      Effect: "Allow",
      Action: [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "logs:AssociateKmsKey",
      ],
      Resource: arn(c, "logs", "log-group:/aws-glue/*"),
    },
    {
      // PutMetricData has no resource type; the namespace condition scopes it.
      Sid: "Metrics",
      Effect: "Allow",
      Action: "cloudwatch:PutMetricData",
      Resource: "*",
      Condition: { StringEquals: { "cloudwatch:namespace": "Glue" } },
    },
    {
      // S3 objects, encrypted logs and client-side encrypted bookmarks all use the stack key.
      Sid: "StackKey",
      Effect: "Allow",
      Action: [
        "kms:Decrypt",
        "kms:Encrypt",
        "kms:GenerateDataKey*",
        "kms:ReEncrypt*",
        "kms:DescribeKey",
      ],
      Resource: g.keyArn,
    },
  );
  return policy(...statements);
}

// ---------------------------------------------------------------- SageMaker

/** The groups SageMaker writes job logs to: shared by every stack of the account. */
export const SAGEMAKER_JOB_LOG_GROUPS = [
  "/aws/sagemaker/TrainingJobs",
  "/aws/sagemaker/ProcessingJobs",
  "/aws/sagemaker/TransformJobs",
];

export interface SageMakerRoleInputs {
  lakeArn: string;
  /** The datasets of the pipelines that run SageMaker: read and written by their jobs. */
  locations: DatasetLocation[];
  /**
   * Lake prefixes of the code processing jobs copy (CODE_PREFIX + a script's folder + /): read
   * only. SageMaker lists a code input's prefix before copying it.
   */
  codeFolders: string[];
  /** The ECR repositories of the images the jobs and models run. */
  repositories: Repository[];
  /** The stack's name prefix: its endpoints log to /aws/sagemaker/Endpoints/<prefix>-<name>. */
  namePrefix: string;
  keyArn: string;
}

/** The execution role of training, processing and hosting: no AmazonSageMakerFullAccess. */
export function sagemakerRolePolicy(c: AwsContext, s: SageMakerRoleInputs): PolicyDocument {
  const logGroups = [
    ...SAGEMAKER_JOB_LOG_GROUPS.flatMap((g) => [
      arn(c, "logs", `log-group:${g}`),
      arn(c, "logs", `log-group:${g}:*`),
    ]),
    arn(c, "logs", `log-group:/aws/sagemaker/Endpoints/${iamLiteral(s.namePrefix)}-*`),
  ];
  const statements: Statement[] = [
    ...lakeStatements("Lake", s.lakeArn, s.locations, "readwrite"),
    ...lakeStatements(
      "Code",
      s.lakeArn,
      s.codeFolders.map((prefix) => ({ prefix })),
      "read",
    ),
  ];
  if (s.repositories.length) {
    statements.push(
      {
        // GetAuthorizationToken has no resource type.
        Sid: "EcrToken",
        Effect: "Allow",
        Action: "ecr:GetAuthorizationToken",
        Resource: "*",
      },
      {
        // Framework images live in AWS-owned accounts of the region, one repository each.
        Sid: "EcrPull",
        Effect: "Allow",
        Action: [
          "ecr:BatchGetImage",
          "ecr:GetDownloadUrlForLayer",
          "ecr:BatchCheckLayerAvailability",
        ],
        Resource: s.repositories.map(
          (r) => `arn:${c.partition}:ecr:${r.region}:${r.account}:repository/${r.repository}`,
        ),
      },
    );
  }
  statements.push(
    {
      Sid: "Logs",
      Effect: "Allow",
      Action: [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "logs:DescribeLogStreams",
      ],
      Resource: logGroups,
    },
    {
      Sid: "Metrics",
      Effect: "Allow",
      Action: "cloudwatch:PutMetricData",
      Resource: "*",
      Condition: { StringLike: { "cloudwatch:namespace": "/aws/sagemaker/*" } },
    },
    keyViaS3(c, s.keyArn),
  );
  return policy(...statements);
}

// ---------------------------------------------------------------- Lambda

export interface LambdaRoleInputs {
  /** The function's own log group, which the stack creates. */
  logGroup: string;
  lakeArn: string;
  /** The datasets of the function's pipeline. */
  locations: DatasetLocation[];
  keyArn: string;
}

/** Lambda does not document source conditions for execution roles, so the trust has none. */
export function lambdaTrustPolicy(): PolicyDocument {
  return serviceTrustPolicy(["lambda.amazonaws.com"]);
}

/** One function's execution role: its own log group, its pipeline's datasets, the key via S3. */
export function lambdaRolePolicy(c: AwsContext, l: LambdaRoleInputs): PolicyDocument {
  return policy(
    {
      // The group exists (the stack creates it), so no logs:CreateLogGroup.
      Sid: "Logs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: arn(c, "logs", `log-group:${l.logGroup}:*`),
    },
    ...lakeStatements("Lake", l.lakeArn, l.locations, "readwrite"),
    keyViaS3(c, l.keyArn),
  );
}

// ---------------------------------------------------------------- MWAA

export interface MwaaRoleInputs {
  environmentName: string;
  sourceBucketArn: string;
  keyArn: string;
  lakeArn: string;
  crawlerNames: string[];
  jobNames: string[];
  /** What Airflow's workers read, write and list in the lake themselves. */
  lake: AirflowLakeAccess;
  /** Lambda functions lambda.invoke tasks call. */
  functionNames: string[];
  /** SNS topics notify tasks and failure notifications publish to. */
  topicNames: string[];
  variablesPrefix: string;
  connectionsPrefix: string;
  /** Present when the DAGs run SageMaker. */
  sagemaker?: {
    roleArn: string;
    namePrefix: string;
    /** Physical names of the stable endpoints (`<prefix>-<name>`). */
    endpoints: string[];
    /** Physical names of the model package groups (`<prefix>-<group>`). */
    modelPackageGroups: string[];
  };
}

/** The per-run SageMaker resources Airflow creates, named `<prefix>-<task>-<run>`. */
export const SAGEMAKER_PER_RUN_TYPES = [
  "training-job",
  "processing-job",
  "transform-job",
  "model",
  "endpoint-config",
] as const;

/**
 * MWAA's documented minimum for the environment itself, plus exactly the calls the compiled
 * DAGs make through the Amazon provider:
 * - GlueCrawlerOperator: GetCrawler, StartCrawler, then GetCrawler and GetCrawlerMetrics while
 *   waiting (UpdateCrawler and tagging only happen when the task's config differs from the
 *   crawler's, and ours passes the name alone); GlueJobOperator with a job name: GetJob,
 *   StartJobRun, GetJobRun;
 * - the SageMaker operators: Describe* first (a name taken makes them add a suffix), Create*
 *   with Tags (which needs AddTags), Describe* while waiting and for the result (print_log is
 *   off, so no CloudWatch Logs calls); SageMakerTransformOperator also describes the model it
 *   ran; SageMakerEndpointOperator creates the endpoint and, on "Cannot create already existing
 *   endpoint", updates it; SageMakerRegisterModelVersionOperator creates the group (ignoring
 *   "already exists"), the package, and deletes a group it just created if that fails;
 *   SageMakerHook.check_s3_url, before a training or transform job: HeadBucket, HeadObject on
 *   each input and a listing of the folder above it;
 * - LambdaInvokeFunctionOperator: Invoke; SnsPublishOperator and SnsNotifier: Publish, to topics
 *   encrypted with the stack key;
 * - the lake reads of python helpers, metric gates (S3Hook.read_key) and S3 sensors
 *   (ListObjectsV2), and the secrets backend's GetParameter lookups.
 */
export function mwaaRolePolicy(c: AwsContext, m: MwaaRoleInputs): PolicyDocument {
  const parameter = (prefix: string) => arn(c, "ssm", `parameter${prefix}/*`);
  const statements: Statement[] = [
    {
      Sid: "PublishMetrics",
      Effect: "Allow",
      Action: "airflow:PublishMetrics",
      Resource: arn(c, "airflow", `environment/${m.environmentName}`),
    },
    {
      Sid: "NoBucketListing",
      Effect: "Deny",
      Action: "s3:ListAllMyBuckets",
      Resource: [m.sourceBucketArn, `${m.sourceBucketArn}/*`],
    },
    {
      Sid: "SourceBucket",
      Effect: "Allow",
      Action: ["s3:GetObject*", "s3:GetBucket*", "s3:List*"],
      Resource: [m.sourceBucketArn, `${m.sourceBucketArn}/*`],
    },
    {
      // MWAA checks the account's public access block; the action has no resource type.
      Sid: "AccountPublicAccessBlock",
      Effect: "Allow",
      Action: "s3:GetAccountPublicAccessBlock",
      Resource: "*",
    },
    {
      Sid: "EnvironmentLogs",
      Effect: "Allow",
      Action: [
        "logs:CreateLogStream",
        "logs:CreateLogGroup",
        "logs:PutLogEvents",
        "logs:GetLogEvents",
        "logs:GetLogRecord",
        "logs:GetLogGroupFields",
        "logs:GetQueryResults",
      ],
      Resource: arn(c, "logs", `log-group:airflow-${m.environmentName}-*`),
    },
    {
      // DescribeLogGroups and PutMetricData have no resource type.
      Sid: "DescribeLogGroups",
      Effect: "Allow",
      Action: "logs:DescribeLogGroups",
      Resource: "*",
    },
    { Sid: "Metrics", Effect: "Allow", Action: "cloudwatch:PutMetricData", Resource: "*" },
    {
      Sid: "CeleryQueue",
      Effect: "Allow",
      Action: [
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:ReceiveMessage",
        "sqs:SendMessage",
      ],
      Resource: `arn:${c.partition}:sqs:${c.region}:*:airflow-celery-*`,
    },
    {
      Sid: "StackKeyThroughSqsAndS3",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:Encrypt"],
      Resource: m.keyArn,
      Condition: {
        StringLike: {
          "kms:ViaService": [`sqs.${c.region}.amazonaws.com`, `s3.${c.region}.amazonaws.com`],
        },
      },
    },
    {
      Sid: "SecretsBackend",
      Effect: "Allow",
      Action: "ssm:GetParameter",
      Resource: [parameter(m.variablesPrefix), parameter(m.connectionsPrefix)],
    },
  ];
  if (m.crawlerNames.length) {
    statements.push(
      {
        Sid: "RunCrawlers",
        Effect: "Allow",
        Action: ["glue:GetCrawler", "glue:StartCrawler"],
        Resource: m.crawlerNames.map((n) => arn(c, "glue", `crawler/${n}`)),
      },
      {
        // GetCrawlerMetrics has no resource type.
        Sid: "CrawlerMetrics",
        Effect: "Allow",
        Action: "glue:GetCrawlerMetrics",
        Resource: "*",
      },
    );
  }
  if (m.jobNames.length) {
    statements.push({
      Sid: "RunGlueJobs",
      Effect: "Allow",
      Action: ["glue:GetJob", "glue:StartJobRun", "glue:GetJobRun"],
      Resource: m.jobNames.map((n) => arn(c, "glue", `job/${n}`)),
    });
  }
  statements.push(...airflowLakeStatements(m.lakeArn, m.lake));
  if (m.functionNames.length) {
    statements.push({
      Sid: "InvokeFunctions",
      Effect: "Allow",
      Action: "lambda:InvokeFunction",
      Resource: m.functionNames.map((n) => arn(c, "lambda", `function:${n}`)),
    });
  }
  if (m.topicNames.length) {
    statements.push(
      {
        Sid: "PublishToTopics",
        Effect: "Allow",
        Action: "sns:Publish",
        Resource: m.topicNames.map((n) => arn(c, "sns", n)),
      },
      {
        // Publishing to a topic encrypted with a customer key needs a data key from it.
        Sid: "StackKeyThroughSns",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
        Resource: m.keyArn,
        Condition: { StringEquals: { "kms:ViaService": `sns.${c.region}.amazonaws.com` } },
      },
    );
  }
  if (m.sagemaker) statements.push(...sagemakerStatements(c, m.sagemaker));
  return policy(...statements);
}

function sagemakerStatements(
  c: AwsContext,
  s: NonNullable<MwaaRoleInputs["sagemaker"]>,
): Statement[] {
  // SageMaker ARNs are lowercase whatever the case of the name; our names are lowercase.
  const sm = (resource: string) => arn(c, "sagemaker", iamLiteral(resource).toLowerCase());
  const statements: Statement[] = [
    {
      Sid: "RunSageMaker",
      Effect: "Allow",
      Action: [
        "sagemaker:CreateTrainingJob",
        "sagemaker:DescribeTrainingJob",
        "sagemaker:CreateProcessingJob",
        "sagemaker:DescribeProcessingJob",
        "sagemaker:CreateTransformJob",
        "sagemaker:DescribeTransformJob",
        "sagemaker:CreateModel",
        "sagemaker:DescribeModel",
        "sagemaker:CreateEndpointConfig",
        "sagemaker:DescribeEndpointConfig",
        "sagemaker:AddTags",
        "sagemaker:ListTags",
      ],
      Resource: SAGEMAKER_PER_RUN_TYPES.map((t) => `${sm(`${t}/${s.namePrefix}`)}-*`),
    },
  ];
  if (s.endpoints.length) {
    statements.push({
      Sid: "DeployEndpoints",
      Effect: "Allow",
      // AddTags: creating the endpoint tags it.
      Action: [
        "sagemaker:CreateEndpoint",
        "sagemaker:UpdateEndpoint",
        "sagemaker:DescribeEndpoint",
        "sagemaker:AddTags",
      ],
      Resource: s.endpoints.map((e) => sm(`endpoint/${e}`)),
    });
  }
  if (s.modelPackageGroups.length) {
    statements.push({
      Sid: "RegisterModels",
      Effect: "Allow",
      Action: [
        "sagemaker:CreateModelPackageGroup",
        "sagemaker:DescribeModelPackageGroup",
        "sagemaker:CreateModelPackage",
        "sagemaker:DeleteModelPackageGroup",
      ],
      Resource: [
        ...s.modelPackageGroups.map((g) => sm(`model-package-group/${g}`)),
        ...s.modelPackageGroups.map((g) => `${sm(`model-package/${g}`)}/*`),
      ],
    });
  }
  statements.push({
    Sid: "PassSageMakerRole",
    Effect: "Allow",
    Action: "iam:PassRole",
    Resource: s.roleArn,
    Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
  });
  return statements;
}

/**
 * The lake statements of the MWAA role: python helpers read, write and list their datasets;
 * gates and the SageMaker hook read objects; sensors and the hook list prefixes.
 */
export function airflowLakeStatements(lakeArn: string, a: AirflowLakeAccess): Statement[] {
  const statements = [...lakeStatements("HelperData", lakeArn, a.readWrite, "readwrite")];
  if (a.read.length) {
    statements.push({
      Sid: "LakeReads",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: locationObjectArns(lakeArn, a.read),
    });
  }
  if (a.list.length) {
    statements.push({
      Sid: "LakeListing",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: lakeArn,
      Condition: { StringLike: { "s3:prefix": locationListPrefixes(a.list) } },
    });
  }
  if (a.listFolders.length) {
    statements.push({
      Sid: "LakeFolderListing",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: lakeArn,
      Condition: {
        StringEquals: { "s3:prefix": a.listFolders.map(iamLiteral), "s3:delimiter": "/" },
      },
    });
  }
  if (a.headBucket) {
    statements.push({
      // HeadBucket is authorized as s3:ListBucket and carries no s3:prefix; without it a
      // HeadObject on a missing key answers 403 instead of the 404 the hook expects.
      Sid: "LakeBucketCheck",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: lakeArn,
      Condition: { Null: { "s3:prefix": "true" } },
    });
  }
  return statements;
}

// ---------------------------------------------------------------- operators

export interface OperatorInputs {
  environmentName: string;
  /** The Airflow role the web login signs in as (MWAA's `rbac-role` resource). */
  airflowRole: string;
  /** The environment's task log group, which `dagspec logs` reads. */
  taskLogGroup: string;
}

/**
 * What `dagspec trigger|runs|status|logs|approve|reject|ui` need on one environment, and nothing
 * on any other: the CLI token (the Airflow CLI endpoint runs the commands), the web login token
 * for one Airflow role (ARN patterns of the MWAA user guide's "Amazon MWAA actions and
 * resources" and "AmazonMWAAWebServerAccess"), GetEnvironment for the status, version and log
 * group, and reading the task log group's streams. The log group is encrypted with the stack
 * key, which CloudWatch Logs uses on the reader's behalf (keyPolicy), so no KMS grant is needed.
 */
export function operatorPolicy(c: AwsContext, o: OperatorInputs): PolicyDocument {
  const environment = arn(c, "airflow", `environment/${o.environmentName}`);
  const group = arn(c, "logs", `log-group:${o.taskLogGroup}`);
  return policy(
    {
      Sid: "AirflowCliAndEnvironment",
      Effect: "Allow",
      Action: ["airflow:CreateCliToken", "airflow:GetEnvironment"],
      Resource: environment,
    },
    {
      Sid: "AirflowUiSignIn",
      Effect: "Allow",
      Action: "airflow:CreateWebLoginToken",
      Resource: arn(c, "airflow", `role/${o.environmentName}/${o.airflowRole}`),
    },
    {
      Sid: "ReadTaskLogs",
      Effect: "Allow",
      Action: ["logs:DescribeLogStreams", "logs:GetLogEvents"],
      Resource: [group, `${group}:log-stream:*`],
    },
  );
}
