// The project files SageMaker processing jobs run (the manifest's code entries), uploaded to the
// lake under CODE_PREFIX where the DAGs point the jobs: s3://<lake>/_dagspec/code/<path>. One
// object per file, so a script no spec runs any more is deleted with its resource.

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CODE_PREFIX } from "../compiler/variables";
import { contentType } from "./files";

/** The lake key of a project file jobs read. */
export function codeKey(path: string): string {
  return `${CODE_PREFIX}${path}`;
}

export interface LakeCodeArgs {
  lakeBucketName: pulumi.Input<string>;
  keyArn: pulumi.Input<string>;
  /** File text by project path (ml-scripts/evaluate_regression.py). */
  files: ReadonlyMap<string, string>;
  /** The lake's policy and public access block, which the objects come after. */
  after: pulumi.Input<pulumi.Resource>[];
}

export class LakeCode extends pulumi.ComponentResource {
  /** Objects by project path. */
  readonly objects: Record<string, aws.s3.BucketObjectv2> = {};

  constructor(name: string, args: LakeCodeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dagspec:storage:LakeCode", name, {}, opts);
    for (const [path, content] of [...args.files].sort(([a], [b]) => a.localeCompare(b))) {
      this.objects[path] = new aws.s3.BucketObjectv2(
        `${name}-${path}`,
        {
          bucket: args.lakeBucketName,
          key: codeKey(path),
          content,
          contentType: contentType(path),
          // The lake's default, stated so the object never depends on the bucket setting.
          serverSideEncryption: "aws:kms",
          kmsKeyId: args.keyArn,
          bucketKeyEnabled: true,
        },
        { parent: this, dependsOn: args.after },
      );
    }
    this.registerOutputs({ keys: Object.keys(this.objects).map(codeKey) });
  }
}
