// An S3 bucket that is private, versioned, encrypted and TLS-only by construction. Every bucket
// of the stack is one of these, so the bucket rules in test/infra/rules.ts hold for new ones.

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { bucketPolicy, type Statement } from "./policies";

export type BucketEncryption = { kind: "kms"; keyArn: pulumi.Input<string> } | { kind: "s3" };

export interface SecureBucketArgs {
  bucketName: pulumi.Input<string>;
  /** SSE-KMS with a customer key, or SSE-S3 where AWS requires it (access log targets). */
  encryption: BucketEncryption;
  /** Days a replaced or deleted object version is kept. */
  noncurrentVersionDays: number;
  /** Days current objects live; unset keeps them. */
  expireAfterDays?: number;
  /** Server access logs go to this bucket under `prefix`. */
  accessLogs?: { bucket: pulumi.Input<string>; prefix: string };
  /** Statements added to the TLS-only bucket policy, given the bucket's ARN. */
  policyStatements?: (bucketArn: string) => pulumi.Input<Statement[]>;
  /**
   * Protect the bucket from deletion, and keep it and its settings in AWS when the stack is
   * destroyed, so a kept bucket stays private, encrypted and TLS-only.
   */
  retain?: boolean;
  /** Let `pulumi destroy` empty the bucket first: only for contents rebuilt from the repository. */
  forceDestroy?: boolean;
}

export class SecureBucket extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly name: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;
  /** The bucket's policy and public access block: objects put after them inherit both. */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: SecureBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dagspec:storage:SecureBucket", name, {}, opts);
    const retain = args.retain ?? false;
    const child = { parent: this, retainOnDelete: retain };

    this.bucket = new aws.s3.Bucket(
      name,
      { bucket: args.bucketName, forceDestroy: args.forceDestroy ?? false },
      { ...child, protect: retain },
    );
    const bucket = this.bucket.id;
    this.name = this.bucket.bucket;
    this.arn = this.bucket.arn;

    const ownership = new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } },
      child,
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      {
        bucket,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      child,
    );
    new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket, versioningConfiguration: { status: "Enabled" } },
      child,
    );
    const encryption = args.encryption;
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket,
        rules: [
          encryption.kind === "kms"
            ? {
                applyServerSideEncryptionByDefault: {
                  sseAlgorithm: "aws:kms",
                  kmsMasterKeyId: encryption.keyArn,
                },
                // One data key per bucket instead of a KMS call per object.
                bucketKeyEnabled: true,
              }
            : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        ],
      },
      child,
    );
    const extra = args.policyStatements;
    const policy = new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket,
        policy: this.bucket.arn.apply((a) =>
          pulumi
            .output(extra ? extra(a) : [])
            .apply((statements) => JSON.stringify(bucketPolicy(a, statements as Statement[]))),
        ),
      },
      // A policy put before the public access block can race it.
      { ...child, dependsOn: [publicAccess, ownership] },
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket,
        rules: [
          {
            id: "expire-noncurrent-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
          ...(args.expireAfterDays !== undefined
            ? [
                {
                  id: "expire-current-versions",
                  status: "Enabled",
                  filter: {},
                  expiration: { days: args.expireAfterDays },
                },
              ]
            : []),
        ],
      },
      child,
    );
    if (args.accessLogs) {
      new aws.s3.BucketLogging(
        `${name}-access-logs`,
        {
          bucket,
          targetBucket: args.accessLogs.bucket,
          targetPrefix: args.accessLogs.prefix,
          targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } },
        },
        child,
      );
    }
    this.ready = [policy, publicAccess];
    this.registerOutputs({ name: this.name, arn: this.arn });
  }
}
