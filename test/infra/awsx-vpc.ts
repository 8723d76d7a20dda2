// What the awsx plugin creates for an awsx.ec2.Vpc, so the mocks can answer the remote component
// with the children and outputs it has at deploy time instead of bare ids. Follows
// awsx/ec2/vpc.ts of pulumi/pulumi-awsx (the code behind the 3.9.0 schema): per zone, public
// subnets before private ones, each subnet with its own route table and association; the NAT
// gateways in the public subnets (Single: the first zone's; OnePerAz: each zone's); public
// tables route 0.0.0.0/0 to the internet gateway, private ones to a NAT gateway unless the
// strategy is None; a gateway endpoint spec gets every route table with vpcEndpointStrategy
// "Auto" and its own routeTableIds otherwise. Subnet CIDRs are not worked out.

import { createHash } from "node:crypto";

export interface Child {
  type: string;
  name: string;
  /** The child's parent inside the component; undefined for the component itself. */
  parent: Child | undefined;
  id: string;
  inputs: Record<string, unknown>;
}

export interface SimulatedVpc {
  children: Child[];
  /** The component's outputs: ids as strings, resources as the children they refer to. */
  outputs: Record<string, string | string[] | Child | Child[]>;
}

interface SubnetSpec {
  type: string;
}
interface EndpointSpec {
  serviceName: string;
  vpcEndpointType?: string;
  routeTableIds?: string[];
}

const id = (prefix: string, ...parts: string[]) =>
  `${prefix}-${createHash("sha256").update(parts.join("/")).digest("hex").slice(0, 17)}`;

export function simulateVpc(
  name: string,
  inputs: Record<string, unknown>,
  region: string,
): SimulatedVpc {
  const children: Child[] = [];
  const add = (
    type: string,
    childName: string,
    parent: Child | undefined,
    prefix: string,
    childInputs: Record<string, unknown>,
  ): Child => {
    const c = {
      type,
      name: childName,
      parent,
      id: id(prefix, name, type, childName),
      inputs: childInputs,
    };
    children.push(c);
    return c;
  };
  const tags = { Name: name, ...((inputs["tags"] as Record<string, string>) ?? {}) };
  const vpc = add("aws:ec2/vpc:Vpc", name, undefined, "vpc", {
    cidrBlock: inputs["cidrBlock"],
    enableDnsHostnames: inputs["enableDnsHostnames"],
    enableDnsSupport: inputs["enableDnsSupport"],
    tags,
  });
  const igw = add("aws:ec2/internetGateway:InternetGateway", name, vpc, "igw", {
    vpcId: vpc.id,
    tags,
  });

  const zones = Number(inputs["numberOfAvailabilityZones"] ?? 3);
  const order = ["Public", "Private", "Isolated"];
  const specs = (
    (inputs["subnetSpecs"] ?? [{ type: "Private" }, { type: "Public" }]) as SubnetSpec[]
  )
    .filter((s) => s.type !== "Unused")
    .sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
  const strategy = String((inputs["natGateways"] as { strategy?: string })?.strategy ?? "OnePerAz");
  const all: Child[] = [];
  const subnets: Record<string, Child[]> = { Public: [], Private: [], Isolated: [] };
  const routeTables: Child[] = [];
  const associations: Child[] = [];
  const routes: Child[] = [];
  const natGateways: Child[] = [];
  const eips: Child[] = [];

  for (let zone = 0; zone < zones; zone++) {
    for (const spec of specs) {
      const resourceName = `${name}-${spec.type.toLowerCase()}-${zone + 1}`;
      const subnetTags = { ...tags, Name: resourceName, SubnetType: spec.type };
      const subnet = add("aws:ec2/subnet:Subnet", resourceName, vpc, "subnet", {
        vpcId: vpc.id,
        availabilityZone: `${region}${"abcdef"[zone]}`,
        mapPublicIpOnLaunch: spec.type === "Public",
        tags: subnetTags,
      });
      all.push(subnet);
      subnets[spec.type]!.push(subnet);
      const table = add("aws:ec2/routeTable:RouteTable", resourceName, subnet, "rtb", {
        vpcId: vpc.id,
        tags: subnetTags,
      });
      routeTables.push(table);
      associations.push(
        add(
          "aws:ec2/routeTableAssociation:RouteTableAssociation",
          resourceName,
          table,
          "rtbassoc",
          {
            routeTableId: table.id,
            subnetId: subnet.id,
          },
        ),
      );
      const natHere =
        spec.type === "Public" &&
        (strategy === "OnePerAz" || (strategy === "Single" && natGateways.length === 0));
      if (natHere) {
        const eip = add("aws:ec2/eip:Eip", `${name}-${zone + 1}`, subnet, "eipalloc", {
          tags: { Name: `${name}-${zone + 1}` },
        });
        eips.push(eip);
        natGateways.push(
          add("aws:ec2/natGateway:NatGateway", `${name}-${zone + 1}`, subnet, "nat", {
            subnetId: subnet.id,
            allocationId: eip.id,
            tags: { Name: `${name}-${zone + 1}` },
          }),
        );
      }
      const toInternet = { routeTableId: table.id, destinationCidrBlock: "0.0.0.0/0" };
      if (spec.type === "Public") {
        routes.push(
          add("aws:ec2/route:Route", resourceName, table, "r", {
            ...toInternet,
            gatewayId: igw.id,
          }),
        );
      } else if (spec.type === "Private" && strategy !== "None") {
        const nat = strategy === "Single" ? natGateways[0]! : natGateways[zone]!;
        routes.push(
          add("aws:ec2/route:Route", resourceName, table, "r", {
            ...toInternet,
            natGatewayId: nat.id,
          }),
        );
      }
    }
  }

  const auto = inputs["vpcEndpointStrategy"] === "Auto";
  const endpoints = ((inputs["vpcEndpointSpecs"] ?? []) as EndpointSpec[]).map((spec) => {
    if (String(spec.vpcEndpointType).toLowerCase() !== "gateway") {
      throw new Error(`awsx-vpc.ts simulates gateway endpoint specs only: ${spec.serviceName}`);
    }
    return add("aws:ec2/vpcEndpoint:VpcEndpoint", spec.serviceName, vpc, "vpce", {
      vpcId: vpc.id,
      serviceName: spec.serviceName,
      vpcEndpointType: spec.vpcEndpointType,
      routeTableIds:
        auto && spec.routeTableIds === undefined
          ? routeTables.map((t) => t.id)
          : (spec.routeTableIds ?? []),
    });
  });

  const ids = (cs: Child[]) => cs.map((c) => c.id);
  return {
    children,
    outputs: {
      vpc,
      vpcId: vpc.id,
      internetGateway: igw,
      subnets: all,
      publicSubnets: subnets["Public"]!,
      privateSubnets: subnets["Private"]!,
      isolatedSubnets: subnets["Isolated"]!,
      publicSubnetIds: ids(subnets["Public"]!),
      privateSubnetIds: ids(subnets["Private"]!),
      isolatedSubnetIds: ids(subnets["Isolated"]!),
      routeTables,
      routeTableAssociations: associations,
      routes,
      natGateways,
      eips,
      vpcEndpoints: endpoints,
    },
  };
}
