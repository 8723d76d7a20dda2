// The data lake: one bucket holding every dataset of every pipeline, under the prefixes the
// specs declare, and the bucket its server access logs go to. The stack puts no data in the
// lake (data arrives from outside, first run: see docs/deploy.md), only the code SageMaker jobs
// run, under _dagspec/code/ (infra/code.ts); the pipelines' roles get access to exactly the
// dataset prefixes of their specs.

import * as pulumi from "@pulumi/pulumi";
import { allowAccessLogDelivery } from "./policies";
import { SecureBucket } from "./secure-bucket";

export interface DataLakeArgs {
  lakeBucketName: pulumi.Input<string>;
  logBucketName: pulumi.Input<string>;
  keyArn: pulumi.Input<string>;
  accountId: pulumi.Input<string>;
  /** ARNs of the buckets that log into the log bucket (the lake among them). */
  loggedBucketArns: pulumi.Input<string>[];
  noncurrentVersionDays: number;
  logRetentionDays: number;
  /** Protect the lake and its access logs from deletion, and keep them when the stack goes. */
  protect: boolean;
}

export class DataLake extends pulumi.ComponentResource {
  readonly lake: SecureBucket;
  readonly logs: SecureBucket;

  constructor(name: string, args: DataLakeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dagspec:storage:DataLake", name, {}, opts);
    const child = { parent: this };

    // S3 delivers server access logs only to SSE-S3 buckets.
    this.logs = new SecureBucket(
      `${name}-logs`,
      {
        bucketName: args.logBucketName,
        encryption: { kind: "s3" },
        noncurrentVersionDays: args.noncurrentVersionDays,
        expireAfterDays: args.logRetentionDays,
        retain: args.protect,
        policyStatements: (logsArn) =>
          pulumi
            .all([args.accountId, ...args.loggedBucketArns])
            .apply(([account, ...sources]) => [
              allowAccessLogDelivery(logsArn, sources.sort(), account),
            ]),
      },
      child,
    );
    this.lake = new SecureBucket(
      name,
      {
        bucketName: args.lakeBucketName,
        encryption: { kind: "kms", keyArn: args.keyArn },
        noncurrentVersionDays: args.noncurrentVersionDays,
        accessLogs: { bucket: this.logs.name, prefix: "lake/" },
        retain: args.protect,
      },
      child,
    );
    this.registerOutputs({ lakeBucket: this.lake.name, logBucket: this.logs.name });
  }
}
