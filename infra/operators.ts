// Access for the people and CI jobs that operate the pipelines from a terminal: one managed
// policy (infra/policies.ts operatorPolicy), attached to the IAM role and/or group the stack
// configuration names (dagspec:operatorRole, dagspec:operatorGroup). The role and group exist
// outside the stack (SSO permission sets, CI roles); the stack only attaches.

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { operatorPolicy, type AwsContext } from "./policies";

export interface OperatorAccessArgs {
  policyName: string;
  context: pulumi.Input<AwsContext>;
  environmentName: string;
  airflowRole: string;
  taskLogGroup: string;
  roleName?: string;
  groupName?: string;
}

export class OperatorAccess extends pulumi.ComponentResource {
  readonly policy: aws.iam.Policy;

  constructor(name: string, args: OperatorAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dagspec:access:OperatorAccess", name, {}, opts);
    if (!args.roleName && !args.groupName) {
      throw new Error("OperatorAccess needs a roleName or a groupName to attach its policy to");
    }
    const child = { parent: this };
    this.policy = new aws.iam.Policy(
      `${name}-policy`,
      {
        name: args.policyName,
        description: `Operate the pipelines of MWAA environment ${args.environmentName} with dagspec`,
        policy: pulumi.output(args.context).apply((c) =>
          JSON.stringify(
            operatorPolicy(c, {
              environmentName: args.environmentName,
              airflowRole: args.airflowRole,
              taskLogGroup: args.taskLogGroup,
            }),
          ),
        ),
      },
      child,
    );
    if (args.roleName) {
      new aws.iam.RolePolicyAttachment(
        `${name}-role`,
        { role: args.roleName, policyArn: this.policy.arn },
        child,
      );
    }
    if (args.groupName) {
      new aws.iam.GroupPolicyAttachment(
        `${name}-group`,
        { group: args.groupName, policyArn: this.policy.arn },
        child,
      );
    }
    this.registerOutputs({ policyArn: this.policy.arn });
  }
}
