import { expect } from "chai";
import { ROOT } from "../helpers";
import { BASE_CONFIG, REGION, runStack, type Recorded, type StackRun } from "./mocks";
import { copyProject, editFile, recompile, removeProject } from "./project";
import { actionMatches, RULES } from "./rules";

const PROVIDER = "urn:pulumi:dev::dagspec::pulumi:providers:aws::dagspec-dev::dagspec-dev-id";

function rec(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  more: Partial<Recorded> = {},
): Recorded {
  return {
    type,
    name,
    custom: true,
    inputs,
    state: inputs,
    id: `${name}-id`,
    parent: undefined,
    provider: PROVIDER,
    providers: {},
    protect: false,
    retainOnDelete: false,
    dependsOn: [],
    ...more,
  };
}

const provider = rec(
  "pulumi:providers:aws",
  "dagspec-dev",
  {
    region: REGION,
    defaultTags: JSON.stringify({ tags: { "dagspec:project": "dagspec", "dagspec:stack": "dev" } }),
  },
  { id: "dagspec-dev-id", provider: "" },
);
const policy = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });

/** A bucket that passes every bucket rule, with `change` applied to one of its parts. */
function bucket(change: (parts: Record<string, Recorded>) => void = () => {}): Recorded[] {
  const b = "bad-bucket";
  const arn = `arn:aws:s3:::${b}`;
  const parts: Record<string, Recorded> = {
    bucket: rec("aws:s3/bucket:Bucket", b, { bucket: b }),
    block: rec("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${b}-pab`, {
      bucket: b,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    }),
    ownership: rec("aws:s3/bucketOwnershipControls:BucketOwnershipControls", `${b}-own`, {
      bucket: b,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    }),
    encryption: rec(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      `${b}-sse`,
      {
        bucket: b,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      },
    ),
    versioning: rec("aws:s3/bucketVersioning:BucketVersioning", `${b}-ver`, {
      bucket: b,
      versioningConfiguration: { status: "Enabled" },
    }),
    policy: rec("aws:s3/bucketPolicy:BucketPolicy", `${b}-pol`, {
      bucket: b,
      policy: policy({
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [arn, `${arn}/*`],
        Condition: { Bool: { "aws:SecureTransport": false } },
      }),
    }),
  };
  change(parts);
  return [provider, ...Object.values(parts)];
}

/** A VPC that passes every network rule, with `change` applied to one of its parts. */
function network(change: (parts: Record<string, Recorded>) => void = () => {}): Recorded[] {
  const vpc = "vpc-1";
  const group = `arn:aws:logs:${REGION}:123456789012:log-group:/flow`;
  const role = "arn:aws:iam::123456789012:role/flow";
  const parts: Record<string, Recorded> = {
    vpc: rec("aws:ec2/vpc:Vpc", "v", {}, { id: vpc }),
    igw: rec("aws:ec2/internetGateway:InternetGateway", "v", { vpcId: vpc }, { id: "igw-1" }),
    publicTable: rec(
      "aws:ec2/routeTable:RouteTable",
      "v-public-1",
      { vpcId: vpc },
      { id: "rtb-pub" },
    ),
    publicRoute: rec("aws:ec2/route:Route", "v-public-1", {
      routeTableId: "rtb-pub",
      gatewayId: "igw-1",
      destinationCidrBlock: "0.0.0.0/0",
    }),
    privateTable: rec(
      "aws:ec2/routeTable:RouteTable",
      "v-private-1",
      { vpcId: vpc },
      { id: "rtb-priv" },
    ),
    privateAssociation: rec("aws:ec2/routeTableAssociation:RouteTableAssociation", "v-private-1", {
      routeTableId: "rtb-priv",
      subnetId: "subnet-priv",
    }),
    s3: rec("aws:ec2/vpcEndpoint:VpcEndpoint", "s3", {
      vpcId: vpc,
      serviceName: `com.amazonaws.${REGION}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: ["rtb-priv"],
    }),
    environment: rec("aws:mwaa/environment:Environment", "airflow", {
      networkConfiguration: { subnetIds: ["subnet-priv"], securityGroupIds: ["sg-1"] },
    }),
    flowLog: rec("aws:ec2/flowLog:FlowLog", "f", {
      vpcId: vpc,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: group,
      iamRoleArn: role,
    }),
    logGroup: rec(
      "aws:cloudwatch/logGroup:LogGroup",
      "l",
      { name: "/flow", retentionInDays: 30, kmsKeyId: "k" },
      { state: { arn: group } },
    ),
    role: rec(
      "aws:iam/role:Role",
      "r",
      {
        assumeRolePolicy: policy({
          Effect: "Allow",
          Principal: { Service: "vpc-flow-logs.amazonaws.com" },
          Action: "sts:AssumeRole",
        }),
      },
      { state: { arn: role } },
    ),
    defaultGroup: rec(
      "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
      "d",
      { vpcId: vpc, ingress: [], egress: [] },
      { id: "sg-default" },
    ),
  };
  change(parts);
  return [provider, ...Object.values(parts)];
}

/** For every rule, resources that break it, and only that rule's part of the stack. */
const COUNTEREXAMPLES: Record<string, Recorded[]> = {
  "no policy allows * or service:* actions on every resource": [
    provider,
    rec("aws:iam/rolePolicy:RolePolicy", "p", {
      policy: policy({ Effect: "Allow", Action: ["s3:GetObject", "s3:*"], Resource: "*" }),
    }),
  ],
  "no AWS managed *FullAccess or administrator policy is attached anywhere": [
    provider,
    rec("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "a", {
      policyArn: "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess",
    }),
  ],
  "every iam:PassRole grant names its roles and is conditioned on iam:PassedToService": [
    provider,
    rec("aws:iam/rolePolicy:RolePolicy", "p", {
      policy: policy({ Effect: "Allow", Action: "iam:Pass*", Resource: "arn:aws:iam::1:role/x" }),
    }),
  ],
  "every role can be assumed by AWS services only": [
    provider,
    rec("aws:iam/role:Role", "r", {
      assumeRolePolicy: policy({
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: "sts:AssumeRole",
      }),
    }),
  ],
  "every bucket blocks all four kinds of public access and disables ACLs": bucket((p) => {
    p["block"]!.inputs["restrictPublicBuckets"] = false;
  }),
  "every bucket encrypts objects by default": bucket((p) => {
    p["encryption"]!.inputs["rules"] = [
      { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } },
    ];
  }),
  "every bucket is versioned": bucket((p) => {
    p["versioning"]!.inputs["versioningConfiguration"] = { status: "Suspended" };
  }),
  "every bucket denies requests without TLS": bucket((p) => {
    p["policy"]!.inputs["policy"] = policy({
      Effect: "Deny",
      Principal: "*",
      Action: "s3:DeleteBucket",
      Resource: "arn:aws:s3:::bad-bucket",
    });
  }),
  "every log group has a retention and is encrypted with a customer key": [
    provider,
    rec("aws:cloudwatch/logGroup:LogGroup", "l", { name: "x", kmsKeyId: "k" }),
  ],
  "every Lambda function logs to a log group of the stack, which has a retention": [
    provider,
    rec("aws:lambda/function:Function", "f", { name: "f", loggingConfig: { logGroup: "/x" } }),
    rec("aws:cloudwatch/logGroup:LogGroup", "l", { name: "/aws/lambda/f", kmsKeyId: "k" }),
  ],
  "every SNS topic is encrypted with a customer key": [
    provider,
    rec("aws:sns/topic:Topic", "t", { name: "t", kmsMasterKeyId: "alias/aws/sns" }),
    rec("aws:sns/topic:Topic", "u", { name: "u" }),
  ],
  "every role's inline policies fit IAM's 10,240 characters": [
    provider,
    ...[1, 2].map((i) =>
      rec("aws:iam/rolePolicy:RolePolicy", `p${i}`, {
        role: "r",
        policy: policy({
          Effect: "Allow",
          Action: "s3:GetObject",
          Resource: Array.from({ length: 200 }, (_, j) => `arn:aws:s3:::bucket/prefix-${j}/*`),
        }),
      }),
    ),
  ],
  "no security group accepts traffic from the internet": [
    provider,
    rec("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "i", {
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    }),
  ],
  "every VPC logs all its traffic to a log group of the stack that has a retention and a customer key, as a role only VPC flow logs may assume":
    network((p) => {
      p["logGroup"]!.inputs = { name: "/flow" };
    }),
  "every VPC's default security group is managed by the stack and has no rules": network((p) => {
    p["defaultGroup"]!.inputs["ingress"] = [{ protocol: "-1", self: true, fromPort: 0, toPort: 0 }];
  }),
  "every route table without an internet gateway route, the ones of MWAA's subnets among them, sends S3 to a gateway endpoint":
    // What awsx makes of a gateway endpoint spec under its default (Legacy) strategy.
    network((p) => {
      p["s3"]!.inputs["routeTableIds"] = [];
    }),
  "every AWS resource is created through the stack's provider, which tags it with the project and stack":
    [
      provider,
      rec(
        "aws:sqs/queue:Queue",
        "q",
        {},
        { provider: "urn:pulumi:dev::dagspec::pulumi:providers:aws::default_7_48_0::x" },
      ),
    ],
};

describe("the security rules", () => {
  // Every option switched needs a spec set compiled for Airflow 3.0, the target of 3.0.6.
  let v3: string;
  before(() => {
    v3 = copyProject();
    editFile(v3, "dags-src/dagspec.config.yaml", (t) =>
      t.replace('airflow: "2.10"', 'airflow: "3.0"'),
    );
    recompile(v3, "3.0");
  });
  after(() => removeProject(v3));

  const configurations: [string, () => string, Record<string, unknown>][] = [
    ["with the default configuration (one NAT gateway)", () => ROOT, BASE_CONFIG],
    [
      "with every option switched (no NAT: S3 through the gateway, the rest through interface endpoints)",
      () => v3,
      {
        ...BASE_CONFIG,
        "dagspec:natStrategy": "none",
        "dagspec:webserverAccessMode": "PUBLIC_ONLY",
        "dagspec:protectLake": "false",
        "dagspec:airflowVersion": "3.0.6",
        "dagspec:environmentClass": "mw1.micro",
        "dagspec:kmsKeyArn": `arn:aws:kms:${REGION}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
      },
    ],
  ];
  for (const [when, root, config] of configurations) {
    describe(`hold for the whole stack ${when}`, () => {
      let run: StackRun;
      before(async () => {
        run = await runStack(root(), config);
      });
      for (const rule of RULES) {
        it(rule.description, () => {
          expect(rule.check(run.resources)).to.deep.equal([]);
        });
      }
    });
  }

  describe("catch what they are written for", () => {
    for (const rule of RULES) {
      it(`${rule.description}: caught on a resource that breaks it`, () => {
        const bad = COUNTEREXAMPLES[rule.description];
        expect(bad, "no counterexample for this rule").to.be.an("array");
        expect(rule.check(bad!)).to.have.length.greaterThan(0);
      });
    }

    it("and a compliant bucket passes every bucket rule", () => {
      for (const rule of RULES) expect(rule.check(bucket()), rule.description).to.deep.equal([]);
    });

    it("and a compliant network passes every network rule", () => {
      for (const rule of RULES) expect(rule.check(network()), rule.description).to.deep.equal([]);
    });

    it("and find each way a network can break them", () => {
      const broken = (change: (p: Record<string, Recorded>) => void) =>
        RULES.flatMap((rule) => rule.check(network(change)));
      const cases: [string, (p: Record<string, Recorded>) => void, RegExp][] = [
        ["no flow log", (p) => Reflect.deleteProperty(p, "flowLog"), /no flow log of all traffic/],
        [
          "rejected traffic only",
          (p) => (p["flowLog"]!.inputs["trafficType"] = "REJECT"),
          /no flow log of all traffic/,
        ],
        [
          "a group the stack does not have",
          (p) => (p["flowLog"]!.inputs["logDestination"] = "arn:aws:logs:x:1:log-group:other"),
          /not a group of the stack/,
        ],
        [
          "a role another service assumes",
          (p) =>
            (p["role"]!.inputs["assumeRolePolicy"] = policy({
              Effect: "Allow",
              Principal: { Service: "ec2.amazonaws.com" },
              Action: "sts:AssumeRole",
            })),
          /not one VPC flow logs assumes/,
        ],
        [
          "the default group unmanaged",
          (p) => Reflect.deleteProperty(p, "defaultGroup"),
          /default security group left as AWS makes it/,
        ],
        [
          "a rule added to the default group",
          (p) =>
            (p["extraRule"] = rec("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "e", {
              securityGroupId: "sg-default",
              cidrIpv4: "10.0.0.0/8",
              ipProtocol: "-1",
            })),
          /a rule on the default security group/,
        ],
        [
          "an interface endpoint for S3 instead of a gateway",
          (p) => (p["s3"]!.inputs["vpcEndpointType"] = "Interface"),
          /S3 not through a gateway endpoint/,
        ],
        [
          "MWAA in a subnet with no known route table",
          (p) => Reflect.deleteProperty(p, "privateAssociation"),
          /subnet subnet-priv has no route table/,
        ],
      ];
      for (const [what, change, message] of cases) {
        expect(broken(change).join("\n"), what).to.match(message);
      }
    });
  });

  it("match IAM action wildcards the way IAM does", () => {
    expect(actionMatches("iam:Pass*", "iam:PassRole")).to.equal(true);
    expect(actionMatches("*", "iam:PassRole")).to.equal(true);
    expect(actionMatches("IAM:passrole", "iam:PassRole")).to.equal(true);
    expect(actionMatches("iam:Get*", "iam:PassRole")).to.equal(false);
  });
});
