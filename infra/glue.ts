// Glue for every pipeline, straight from the manifest: catalog databases, a crawler per crawled
// dataset, a job per glue.job task with its script and packages uploaded, one role per
// pipeline scoped to that pipeline's datasets, and a security configuration that encrypts what
// Glue writes (S3, logs, bookmarks) with the stack key. Crawlers have no schedule: Airflow runs
// them.

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { GluePackage } from "./files";
import type { StackNames } from "./naming";
import type { GlueJob, PipelinePlan, StackPlan } from "./plan";
import { glueRolePolicy, glueTrustPolicy, type AwsContext } from "./policies";
import { SecureBucket } from "./secure-bucket";

/** Crawlers combine compatible files under a prefix into the one table the compiler names. */
export const CRAWLER_CONFIGURATION = JSON.stringify({
  Version: 1.0,
  Grouping: { TableGroupingPolicy: "CombineCompatibleSchemas" },
  CrawlerOutput: { Partitions: { AddOrUpdateBehavior: "InheritFromTable" } },
});

export interface GlueArgs {
  names: StackNames;
  plan: StackPlan;
  context: pulumi.Input<AwsContext>;
  lakeBucketName: pulumi.Input<string>;
  lakeBucketArn: pulumi.Input<string>;
  scriptsBucketName: pulumi.Input<string>;
  logBucketName: pulumi.Input<string>;
  keyArn: pulumi.Input<string>;
  /** Job script text by project path (glue-jobs/abalone_preprocess.py). */
  scripts: ReadonlyMap<string, string>;
  /** The packages each script imports, by script path. */
  packages: ReadonlyMap<string, GluePackage[]>;
  noncurrentVersionDays: number;
  logRetentionDays: number;
}

export class GluePipelines extends pulumi.ComponentResource {
  readonly scriptsBucket: SecureBucket;
  /** Physical database names by the specs' database names. */
  readonly databaseNames: Record<string, pulumi.Output<string>> = {};
  /** Crawler and job names by the Airflow Variable that holds them. */
  readonly crawlerNames: Record<string, pulumi.Output<string>> = {};
  readonly jobNames: Record<string, pulumi.Output<string>> = {};
  /** Glue role ARNs by pipeline id. */
  readonly roleArns: Record<string, pulumi.Output<string>> = {};

  constructor(name: string, args: GlueArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dagspec:glue:GluePipelines", name, {}, opts);
    const child = { parent: this };
    const { names, plan } = args;

    this.scriptsBucket = new SecureBucket(
      `${name}-scripts`,
      {
        bucketName: args.scriptsBucketName,
        encryption: { kind: "kms", keyArn: args.keyArn },
        noncurrentVersionDays: args.noncurrentVersionDays,
        accessLogs: { bucket: args.logBucketName, prefix: "scripts/" },
        // Scripts and packages are uploaded from the repository again by the next stack.
        forceDestroy: true,
      },
      child,
    );
    const scriptsBucket = this.scriptsBucket.name;
    const s3Uri = (key: string) => pulumi.interpolate`s3://${scriptsBucket}/${key}`;

    const security = new aws.glue.SecurityConfiguration(
      `${name}-security`,
      {
        name: names.glueSecurityConfiguration(),
        encryptionConfiguration: {
          s3Encryption: { s3EncryptionMode: "SSE-KMS", kmsKeyArn: args.keyArn },
          cloudwatchEncryption: { cloudwatchEncryptionMode: "SSE-KMS", kmsKeyArn: args.keyArn },
          jobBookmarksEncryption: { jobBookmarksEncryptionMode: "CSE-KMS", kmsKeyArn: args.keyArn },
        },
      },
      child,
    );

    for (const db of plan.databases) {
      const database = new aws.glue.CatalogDatabase(
        `${name}-db-${db.name}`,
        { name: names.glueDatabase(db.name), description: `dagspec database ${db.name}` },
        child,
      );
      this.databaseNames[db.name] = database.name;
    }

    // Scripts and packages are uploaded once each, however many jobs share them.
    const scriptObjects = new Map<string, aws.s3.BucketObjectv2>();
    const packageKeys = new Map<string, string>();
    const uploaded: aws.s3.BucketObjectv2[] = [];
    for (const job of plan.glueJobs) {
      if (!scriptObjects.has(job.script)) {
        const text = args.scripts.get(job.script);
        if (text === undefined) throw new Error(`no text for the Glue script ${job.script}`);
        const object = new aws.s3.BucketObjectv2(
          `${name}-script-${job.script}`,
          { bucket: scriptsBucket, key: job.script, content: text, contentType: "text/x-python" },
          { ...child, dependsOn: this.scriptsBucket.ready },
        );
        scriptObjects.set(job.script, object);
        uploaded.push(object);
      }
      for (const pkg of args.packages.get(job.script) ?? []) {
        if (packageKeys.has(pkg.dir)) continue;
        const key = `${pkg.dir}.zip`;
        const assets: Record<string, pulumi.asset.Asset> = {};
        for (const [file, text] of pkg.files) assets[file] = new pulumi.asset.StringAsset(text);
        uploaded.push(
          new aws.s3.BucketObjectv2(
            `${name}-package-${pkg.dir}`,
            {
              bucket: scriptsBucket,
              key,
              source: new pulumi.asset.AssetArchive(assets),
              contentType: "application/zip",
            },
            { ...child, dependsOn: this.scriptsBucket.ready },
          ),
        );
        packageKeys.set(pkg.dir, key);
      }
    }
    const packageKeysOf = (job: GlueJob) =>
      (args.packages.get(job.script) ?? []).map((p) => packageKeys.get(p.dir)!);

    for (const p of plan.pipelines) {
      if (p.crawlers.length === 0 && p.glueJobs.length === 0) continue;
      const role = this.pipelineRole(name, p, args, packageKeysOf);
      this.roleArns[p.id] = role.role.arn;
      const after = { ...child, dependsOn: [role.policy] };

      for (const c of p.crawlers) {
        const crawler = new aws.glue.Crawler(
          `${name}-${p.id}-${c.dataset}-crawler`,
          {
            name: names.glueCrawler(p.id, c.dataset),
            description: `Crawls dataset ${c.dataset} of pipeline ${p.id}; started by Airflow.`,
            role: role.role.arn,
            databaseName: this.databaseNames[c.database]!,
            s3Targets: [{ path: pulumi.interpolate`s3://${args.lakeBucketName}/${c.prefix}` }],
            ...(c.tablePrefix ? { tablePrefix: c.tablePrefix } : {}),
            schemaChangePolicy: {
              updateBehavior: "UPDATE_IN_DATABASE",
              deleteBehavior: "DEPRECATE_IN_DATABASE",
            },
            recrawlPolicy: { recrawlBehavior: "CRAWL_EVERYTHING" },
            configuration: CRAWLER_CONFIGURATION,
            securityConfiguration: security.name,
          },
          after,
        );
        this.crawlerNames[c.variable] = crawler.name;
      }

      for (const j of p.glueJobs) {
        const logGroup = new aws.cloudwatch.LogGroup(
          `${name}-${p.id}-${j.task}-logs`,
          {
            name: names.glueJobLogGroup(p.id, j.task),
            retentionInDays: args.logRetentionDays,
            kmsKeyId: args.keyArn,
          },
          child,
        );
        const packages = packageKeysOf(j);
        const job = new aws.glue.Job(
          `${name}-${p.id}-${j.task}-job`,
          {
            name: names.glueJob(p.id, j.task),
            description: `Task ${j.task} of pipeline ${p.id}; started by Airflow.`,
            roleArn: role.role.arn,
            command: { name: "glueetl", scriptLocation: s3Uri(j.script), pythonVersion: "3" },
            glueVersion: j.glueVersion,
            workerType: j.workerType,
            numberOfWorkers: j.workers,
            timeout: j.timeoutMinutes,
            maxRetries: j.maxRetries,
            securityConfiguration: security.name,
            defaultArguments: pulumi
              .all([logGroup.name, pulumi.all(packages.map(s3Uri))])
              .apply(([group, packageUris]) => ({
                "--job-language": "python",
                "--job-bookmark-option": j.bookmarks
                  ? "job-bookmark-enable"
                  : "job-bookmark-disable",
                "--enable-metrics": "true",
                "--enable-continuous-cloudwatch-log": "true",
                "--continuous-log-logGroup": group,
                ...(packageUris.length ? { "--extra-py-files": packageUris.join(",") } : {}),
              })),
          },
          { ...after, dependsOn: [role.policy, ...uploaded] },
        );
        this.jobNames[j.variable] = job.name;
      }
    }
    this.registerOutputs({
      scriptsBucket: scriptsBucket,
      databases: this.databaseNames,
      crawlers: this.crawlerNames,
      jobs: this.jobNames,
      roles: this.roleArns,
    });
  }

  private pipelineRole(
    name: string,
    p: PipelinePlan,
    args: GlueArgs,
    packageKeysOf: (job: GlueJob) => string[],
  ): { role: aws.iam.Role; policy: aws.iam.RolePolicy } {
    const scriptKeys = [
      ...new Set(p.glueJobs.flatMap((j) => [j.script, ...packageKeysOf(j)])),
    ].sort();
    const databases = p.databases.map((d) => args.names.glueDatabase(d));
    const role = new aws.iam.Role(
      `${name}-${p.id}-role`,
      {
        name: args.names.role(`glue-${p.id}`),
        description: `Glue crawlers and jobs of pipeline ${p.id}`,
        assumeRolePolicy: JSON.stringify(glueTrustPolicy()),
      },
      { parent: this },
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-${p.id}-policy`,
      {
        role: role.id,
        policy: pulumi
          .all([args.context, args.lakeBucketArn, this.scriptsBucket.arn, args.keyArn])
          .apply(([c, lakeArn, scriptsBucketArn, keyArn]) =>
            JSON.stringify(
              glueRolePolicy(c, {
                lakeArn,
                locations: p.datasets,
                scriptsBucketArn,
                scriptKeys,
                databases,
                crawls: p.crawlers.length > 0,
                keyArn,
              }),
            ),
          ),
      },
      { parent: this },
    );
    return { role, policy };
  }
}
