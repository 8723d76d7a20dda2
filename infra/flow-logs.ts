// Flow logs of a VPC (CIS AWS Foundations 3.9): every accepted and rejected flow, to a
// CloudWatch log group kept for the stack's log retention and encrypted with the stack key
// (whose policy lets CloudWatch Logs use it for the account's log groups), written by a role
// the flow logs service alone may assume, limited to that group.

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { flowLogsRolePolicy, flowLogsTrustPolicy, type AwsContext } from "./policies";

export interface VpcFlowLogsArgs {
  vpcId: pulumi.Input<string>;
  logGroupName: string;
  roleName: string;
  context: pulumi.Input<AwsContext>;
  keyArn: pulumi.Input<string>;
  logRetentionDays: number;
}

export class VpcFlowLogs extends pulumi.ComponentResource {
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly role: aws.iam.Role;
  readonly flowLog: aws.ec2.FlowLog;

  constructor(name: string, args: VpcFlowLogsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dagspec:network:VpcFlowLogs", name, {}, opts);
    const child = { parent: this };
    const context = pulumi.output(args.context);

    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      {
        name: args.logGroupName,
        retentionInDays: args.logRetentionDays,
        kmsKeyId: args.keyArn,
      },
      child,
    );
    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        name: args.roleName,
        description: "Writes the flow logs of the MWAA VPC",
        assumeRolePolicy: context.apply((c) => JSON.stringify(flowLogsTrustPolicy(c))),
      },
      child,
    );
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.id,
        policy: context.apply((c) => JSON.stringify(flowLogsRolePolicy(c, args.logGroupName))),
      },
      child,
    );
    // CreateFlowLogs checks the role; it must already hold its policy.
    this.flowLog = new aws.ec2.FlowLog(
      name,
      {
        vpcId: args.vpcId,
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: this.logGroup.arn,
        iamRoleArn: this.role.arn,
      },
      { ...child, dependsOn: [rolePolicy] },
    );
    this.registerOutputs({ logGroupName: this.logGroup.name, roleArn: this.role.arn });
  }
}
