// The stack's customer managed key, or an existing one named in the configuration. The lake,
// the scripts and Airflow buckets, Glue's security configuration, MWAA, the SNS topics and the
// log groups the stack creates all use it.

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { keyPolicy, type AwsContext } from "./policies";

export interface StackKeyArgs {
  context: pulumi.Input<AwsContext>;
  alias: string;
  /** An existing key to use instead of creating one; its policy must allow what keyPolicy does. */
  existingKeyArn?: string;
  /** Protect the key and keep it when the stack goes: a kept lake is unreadable without it. */
  retain: boolean;
}

export class StackKey extends pulumi.ComponentResource {
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: StackKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dagspec:security:StackKey", name, {}, opts);
    if (args.existingKeyArn !== undefined) {
      this.arn = pulumi.output(args.existingKeyArn);
    } else {
      const key = new aws.kms.Key(
        name,
        {
          description: `dagspec ${args.alias}: data lake, Glue, Airflow and their logs`,
          enableKeyRotation: true,
          deletionWindowInDays: 30,
          policy: pulumi.output(args.context).apply((c) => JSON.stringify(keyPolicy(c))),
        },
        { parent: this, protect: args.retain, retainOnDelete: args.retain },
      );
      new aws.kms.Alias(
        `${name}-alias`,
        { name: args.alias, targetKeyId: key.keyId },
        { parent: this, retainOnDelete: args.retain },
      );
      this.arn = key.arn;
    }
    this.registerOutputs({ arn: this.arn });
  }
}
