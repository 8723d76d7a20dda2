// The project files SageMaker processing jobs run (the manifest's code entries: each script's
// whole folder), uploaded to the lake under CODE_PREFIX, where the DAGs point the jobs' code
// inputs: s3://<lake>/_dagspec/code/<folder>/. One object per file, so a file no spec ships any
// more is deleted with its resource.

import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CODE_PREFIX } from "../compiler/variables";
import { contentType } from "./files";

/** The lake key of a project file jobs read. */
export function codeKey(path: string): string {
  return `${CODE_PREFIX}${path}`;
}

/**
 * The lake prefixes SageMaker copies code from: the folders of the code files, each once and
 * none inside another (a job's code input is its script's folder, subfolders included).
 */
export function codeFolders(paths: readonly string[]): string[] {
  const folders = [...new Set(paths.map((p) => codeKey(`${path.posix.dirname(p)}/`)))].sort();
  return folders.filter((f) => !folders.some((other) => other !== f && f.startsWith(other)));
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
