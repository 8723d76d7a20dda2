// The network MWAA runs in: a VPC with two private subnets in two availability zones, public
// subnets for the NAT gateways when there are any, and the security group MWAA asks for (all
// traffic between its own members). An S3 gateway endpoint keeps lake and DAG traffic off the
// NAT. Without NAT the private subnets reach AWS only through interface endpoints, one per
// service the environment and the DAGs call.
//
// awsx.ec2.Vpc is a remote component (it runs in the awsx plugin), so its children are created
// by that plugin at deploy time; the tests see the component and its arguments only.

import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import type { NatStrategy } from "./config";

const NAT = { single: "Single", onePerAz: "OnePerAz", none: "None" } as const;

/** The services the compiled DAGs call beyond Glue, SSM and STS. */
export interface DagServices {
  sagemaker: boolean;
  lambda: boolean;
  sns: boolean;
}

/** What an environment without internet access must reach through interface endpoints. */
export function interfaceEndpointServices(calls: DagServices): string[] {
  const environment = [
    "airflow.api",
    "airflow.env",
    "airflow.ops",
    "sqs",
    "logs",
    "monitoring",
    "ecr.api",
    "ecr.dkr",
    "kms",
  ];
  // What the compiled DAGs call: Glue, the SSM secrets backend, STS for the provider's hooks.
  const dags = [
    "glue",
    "ssm",
    "sts",
    ...(calls.sagemaker ? ["sagemaker.api"] : []),
    ...(calls.lambda ? ["lambda"] : []),
    ...(calls.sns ? ["sns"] : []),
  ];
  return [...environment, ...dags];
}

export interface MwaaNetworkArgs {
  region: string;
  cidrBlock: string;
  natStrategy: NatStrategy;
  securityGroupName: string;
  /** The services the DAGs call (an endpoint each without NAT). */
  calls: DagServices;
}

export class MwaaNetwork extends pulumi.ComponentResource {
  readonly vpc: awsx.ec2.Vpc;
  readonly vpcId: pulumi.Output<string>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  readonly securityGroup: aws.ec2.SecurityGroup;

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
        vpcEndpointStrategy: "Auto",
        vpcEndpointSpecs: [
          { serviceName: `com.amazonaws.${args.region}.s3`, vpcEndpointType: "Gateway" },
        ],
      },
      // A remote component gets only the providers passed to it, not its parent's.
      { ...child, providers: awsProvider ? { aws: awsProvider } : {} },
    );
    this.vpcId = this.vpc.vpcId;
    this.privateSubnetIds = this.vpc.privateSubnetIds;

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
