// The network MWAA runs in: a VPC with two private subnets in two availability zones, public
// subnets for the NAT gateways when there are any, and the security group MWAA asks for (all
// traffic between its own members). An S3 gateway endpoint on the private subnets' route tables
// keeps lake and DAG traffic off the NAT; without NAT it is their only way to S3, and interface
// endpoints, one per service the environment and the DAGs call, lead to the other AWS APIs.
// The VPC's flow logs go to an encrypted log group; its default security group has no rules.
//
// awsx.ec2.Vpc is a remote component: the awsx plugin creates its children (VPC, subnets, route
// tables, NAT gateways) at deploy time. It gives a gateway endpoint spec route tables only under
// vpcEndpointStrategy "Auto", and then all of them (awsx/ec2/vpc.ts in pulumi/pulumi-awsx), where
// neither the program nor its tests see them. So the S3 endpoint is declared here, on the tables
// that the component's routeTableAssociations tie to its private subnets (awsx gives each subnet
// a table of its own).

import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import type { NatStrategy } from "./config";
import { VpcFlowLogs } from "./flow-logs";
import type { AirflowService } from "./plan";
import type { AwsContext } from "./policies";

const NAT = { single: "Single", onePerAz: "OnePerAz", none: "None" } as const;

/**
 * What an MWAA environment without internet access reaches through interface endpoints: the
 * list in the MWAA User Guide, "Creating the required VPC service endpoints in an Amazon VPC
 * with private routing" (vpc-vpe-create-access.md in awsdocs/amazon-mwaa-user-guide), whose
 * com.amazonaws.<region>.s3 is the gateway endpoint here. Besides, ssm: the stack sets MWAA's
 * secrets backend to SSM Parameter Store, read for every Airflow Variable.
 */
export const ENVIRONMENT_ENDPOINTS = [
  "airflow.api",
  "airflow.env",
  "airflow.ops",
  "ecr.api",
  "ecr.dkr",
  "kms",
  "logs",
  "monitoring",
  "sqs",
  "ssm",
] as const;

/** The interface endpoints of a network without NAT: the environment's and the DAGs'. */
export function interfaceEndpointServices(calls: readonly AirflowService[]): string[] {
  const dags = calls.filter((s) => s !== "s3");
  return [...new Set<string>([...ENVIRONMENT_ENDPOINTS, ...dags])].sort();
}

/** The route tables associated with the given subnets, sorted. */
export function routeTablesOf(
  associations: readonly { subnetId?: string; routeTableId: string }[],
  subnetIds: readonly string[],
): string[] {
  const ids = associations
    .filter((a) => a.subnetId !== undefined && subnetIds.includes(a.subnetId))
    .map((a) => a.routeTableId);
  return [...new Set(ids)].sort();
}

export interface MwaaNetworkArgs {
  region: string;
  cidrBlock: string;
  natStrategy: NatStrategy;
  securityGroupName: string;
  /** The AWS APIs the DAGs call (an interface endpoint each without NAT; S3 has the gateway). */
  calls: readonly AirflowService[];
  context: pulumi.Input<AwsContext>;
  /** Encrypts the flow log group. */
  keyArn: pulumi.Input<string>;
  logRetentionDays: number;
  flowLogGroupName: string;
  flowLogRoleName: string;
}

export class MwaaNetwork extends pulumi.ComponentResource {
  readonly vpc: awsx.ec2.Vpc;
  readonly vpcId: pulumi.Output<string>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  readonly securityGroup: aws.ec2.SecurityGroup;
  readonly s3Endpoint: aws.ec2.VpcEndpoint;

  constructor(name: string, args: MwaaNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dagspec:network:MwaaNetwork", name, {}, opts);
    const child = { parent: this };
    const internet = args.natStrategy !== "none";
    const awsProvider = this.getProvider("aws::");

    this.vpc = new awsx.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: args.cidrBlock,
        // MWAA takes exactly two private subnets in two zones.
        numberOfAvailabilityZones: 2,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        subnetStrategy: "Auto",
        subnetSpecs: internet ? [{ type: "Private" }, { type: "Public" }] : [{ type: "Private" }],
        natGateways: { strategy: NAT[args.natStrategy] },
      },
      // A remote component gets only the providers passed to it, not its parent's.
      { ...child, providers: awsProvider ? { aws: awsProvider } : {} },
    );
    this.vpcId = this.vpc.vpcId;
    this.privateSubnetIds = this.vpc.privateSubnetIds;

    const associations = this.vpc.routeTableAssociations.apply((all) =>
      pulumi.all(all.map((a) => ({ subnetId: a.subnetId, routeTableId: a.routeTableId }))),
    );
    this.s3Endpoint = new aws.ec2.VpcEndpoint(
      `${name}-s3`,
      {
        vpcId: this.vpcId,
        serviceName: `com.amazonaws.${args.region}.s3`,
        vpcEndpointType: "Gateway",
        routeTableIds: pulumi
          .all([associations, this.privateSubnetIds])
          .apply(([a, subnets]) => routeTablesOf(a, subnets)),
      },
      child,
    );
    // CIS AWS Foundations 5.4: managing the default group removes its rules, and none is given.
    new aws.ec2.DefaultSecurityGroup(
      `${name}-default-sg`,
      { vpcId: this.vpcId, ingress: [], egress: [] },
      child,
    );
    new VpcFlowLogs(
      `${name}-flow-logs`,
      {
        vpcId: this.vpcId,
        logGroupName: args.flowLogGroupName,
        roleName: args.flowLogRoleName,
        context: args.context,
        keyArn: args.keyArn,
        logRetentionDays: args.logRetentionDays,
      },
      child,
    );

    this.securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        name: args.securityGroupName,
        description: "Amazon MWAA: traffic between the environment's own members",
        vpcId: this.vpcId,
      },
      child,
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-sg-self`,
      {
        securityGroupId: this.securityGroup.id,
        referencedSecurityGroupId: this.securityGroup.id,
        ipProtocol: "-1",
        description: "All traffic from members of this group",
      },
      child,
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-sg-egress`,
      {
        securityGroupId: this.securityGroup.id,
        cidrIpv4: "0.0.0.0/0",
        ipProtocol: "-1",
        description: "AWS APIs through the NAT gateway or the VPC endpoints",
      },
      child,
    );

    if (!internet) {
      for (const service of interfaceEndpointServices(args.calls)) {
        new aws.ec2.VpcEndpoint(
          `${name}-endpoint-${service}`,
          {
            vpcId: this.vpcId,
            serviceName: `com.amazonaws.${args.region}.${service}`,
            vpcEndpointType: "Interface",
            privateDnsEnabled: true,
            subnetIds: this.privateSubnetIds,
            securityGroupIds: [this.securityGroup.id],
          },
          child,
        );
      }
    }
    this.registerOutputs({ vpcId: this.vpcId, privateSubnetIds: this.privateSubnetIds });
  }
}
