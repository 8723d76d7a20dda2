// One SNS topic per topic a spec declares, for notify tasks and failure notifications. Topics
// are encrypted with the stack key. Only the MWAA role publishes, with its own kms grant, so the
// key policy needs nothing for SNS: an AWS service publishing (a CloudWatch alarm, EventBridge)
// would need a key policy statement for its principal.

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StackNames } from "./naming";
import type { Topic } from "./plan";

export interface TopicsArgs {
  names: StackNames;
  topics: Topic[];
  keyArn: pulumi.Input<string>;
}

export class Topics extends pulumi.ComponentResource {
  /** Topic ARNs by the Airflow Variable that holds them. */
  readonly arns: Record<string, pulumi.Output<string>> = {};

  constructor(name: string, args: TopicsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dagspec:notify:Topics", name, {}, opts);
    for (const t of args.topics) {
      const topic = new aws.sns.Topic(
        `${name}-${t.pipeline}-${t.name}`,
        {
          name: args.names.snsTopic(t.pipeline, t.name),
          displayName: `dagspec ${t.pipeline}: ${t.name}`.slice(0, 100),
          kmsMasterKeyId: args.keyArn,
        },
        { parent: this },
      );
      this.arns[t.variable] = topic.arn;
    }
    this.registerOutputs({ arns: this.arns });
  }
}
