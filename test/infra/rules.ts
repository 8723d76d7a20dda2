// Security rules over every recorded resource. A rule sees the whole stack, so a resource added
// later is checked without a new test; rules.test.ts runs each one on the stack and on a
// resource built to break it.

import type { Recorded } from "./mocks";

export interface Rule {
  /** A sentence: what holds for the whole stack. */
  description: string;
  /** Violations, one line each, naming the resource. */
  check(resources: readonly Recorded[]): string[];
}

interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

interface FoundPolicy {
  resource: Recorded;
  field: string;
  statements: Statement[];
}

const list = <T>(x: T | T[] | undefined): T[] =>
  x === undefined ? [] : Array.isArray(x) ? x : [x];
const label = (r: Recorded) => `${r.type} ${r.name}`;

function parse(value: unknown): Statement[] | undefined {
  let doc = value;
  if (typeof doc === "string") {
    try {
      doc = JSON.parse(doc);
    } catch {
      return undefined;
    }
  }
  if (!doc || typeof doc !== "object" || !("Statement" in doc)) return undefined;
  return list((doc as { Statement: Statement | Statement[] }).Statement);
}

/** Every policy document in the stack: any input named policy or assumeRolePolicy, at any depth. */
export function policies(resources: readonly Recorded[]): FoundPolicy[] {
  const out: FoundPolicy[] = [];
  const walk = (resource: Recorded, value: unknown, field: string) => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(resource, v, `${field}[${i}]`));
    else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) {
        const at = field ? `${field}.${k}` : k;
        const statements = k === "policy" || k === "assumeRolePolicy" ? parse(v) : undefined;
        if (statements) out.push({ resource, field: at, statements });
        else walk(resource, v, at);
      }
    }
  };
  for (const r of resources) walk(r, r.inputs, "");
  return out;
}

/** Whether an action pattern grants `action` (IAM wildcards, case-insensitive). */
export function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "i",
  );
  return re.test(action);
}

const isWildcardAction = (a: string) => a === "*" || /^[a-z0-9-]+:\*$/i.test(a);

/** The account root holding the key is the default key policy: it delegates the key to IAM. */
function isKeyAdministration(found: FoundPolicy, s: Statement): boolean {
  const principal = s.Principal as { AWS?: string | string[] } | undefined;
  return (
    found.resource.type === "aws:kms/key:Key" &&
    list(principal?.AWS).length > 0 &&
    list(principal?.AWS).every((p) => /^arn:aws[\w-]*:iam::\d{12}:root$/.test(p))
  );
}

const BUCKET = "aws:s3/bucket:Bucket";
const VPC = "aws:ec2/vpc:Vpc";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const arnOf = (r: Recorded) => r.state["arn"];
const ofType = (resources: readonly Recorded[], type: string) =>
  resources.filter((r) => r.type === type);
const bucketsOf = (resources: readonly Recorded[]) => resources.filter((r) => r.type === BUCKET);
const attachedTo = (resources: readonly Recorded[], type: string, bucket: Recorded) =>
  resources.filter((r) => r.type === type && r.inputs["bucket"] === bucket.inputs["bucket"]);

export const RULES: Rule[] = [
  {
    description: "no policy allows * or service:* actions on every resource",
    check: (resources) =>
      policies(resources).flatMap((found) =>
        found.statements
          .filter((s) => s.Effect === "Allow")
          .flatMap((s) => {
            const where = `${label(found.resource)} ${found.field} ${s.Sid ?? ""}`.trim();
            if (s.NotAction || s.NotResource) return [`${where}: Allow with NotAction/NotResource`];
            const everywhere = list(s.Resource).includes("*");
            const wild = list(s.Action).filter(isWildcardAction);
            return everywhere && wild.length && !isKeyAdministration(found, s)
              ? [`${where}: ${wild.join(", ")} on *`]
              : [];
          }),
      ),
  },
  {
    description: "no AWS managed *FullAccess or administrator policy is attached anywhere",
    check: (resources) => {
      const bad =
        /^arn:aws[\w-]*:iam::aws:policy\/(.*FullAccess.*|AdministratorAccess|PowerUserAccess)$/;
      const out: string[] = [];
      const walk = (r: Recorded, value: unknown, field: string) => {
        if (typeof value === "string") {
          if (bad.test(value)) out.push(`${label(r)} ${field}: ${value}`);
        } else if (Array.isArray(value)) value.forEach((v, i) => walk(r, v, `${field}[${i}]`));
        else if (value && typeof value === "object") {
          for (const [k, v] of Object.entries(value)) walk(r, v, field ? `${field}.${k}` : k);
        }
      };
      for (const r of resources) walk(r, r.inputs, "");
      return out;
    },
  },
  {
    description:
      "every iam:PassRole grant names its roles and is conditioned on iam:PassedToService",
    check: (resources) =>
      policies(resources).flatMap((found) =>
        found.statements
          .filter(
            (s) =>
              s.Effect === "Allow" && list(s.Action).some((a) => actionMatches(a, "iam:PassRole")),
          )
          .filter((s) => !isKeyAdministration(found, s))
          .flatMap((s) => {
            const where = `${label(found.resource)} ${s.Sid ?? ""}`.trim();
            const conditioned = Object.values(s.Condition ?? {}).some(
              (c) => "iam:PassedToService" in c,
            );
            return [
              ...(conditioned
                ? []
                : [`${where}: iam:PassRole without an iam:PassedToService condition`]),
              ...(list(s.Resource).some((r) => r.endsWith("*"))
                ? [`${where}: iam:PassRole on ${list(s.Resource).join(", ")}`]
                : []),
            ];
          }),
      ),
  },
  {
    description: "every role can be assumed by AWS services only",
    check: (resources) =>
      resources
        .filter((r) => r.type === "aws:iam/role:Role")
        .flatMap((r) => {
          const statements = parse(r.inputs["assumeRolePolicy"]) ?? [];
          if (!statements.length) return [`${label(r)}: no trust policy`];
          return statements
            .filter((s) => s.Effect === "Allow")
            .filter((s) => {
              const p = s.Principal as { Service?: unknown } | string | undefined;
              return typeof p !== "object" || Object.keys(p).some((k) => k !== "Service");
            })
            .map((s) => `${label(r)}: trusts ${JSON.stringify(s.Principal)}`);
        }),
  },
  {
    description: "every bucket blocks all four kinds of public access and disables ACLs",
    check: (resources) =>
      bucketsOf(resources).flatMap((b) => {
        const blocks = attachedTo(
          resources,
          "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
          b,
        );
        const fields = [
          "blockPublicAcls",
          "blockPublicPolicy",
          "ignorePublicAcls",
          "restrictPublicBuckets",
        ];
        const ownership = attachedTo(
          resources,
          "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
          b,
        );
        return [
          ...(blocks.some((x) => fields.every((f) => x.inputs[f] === true))
            ? []
            : [`${label(b)}: public access not fully blocked`]),
          ...(ownership.some(
            (x) =>
              (x.inputs["rule"] as { objectOwnership?: string })?.objectOwnership ===
              "BucketOwnerEnforced",
          )
            ? []
            : [`${label(b)}: ACLs not disabled (BucketOwnerEnforced)`]),
          ...(b.inputs["acl"] !== undefined && b.inputs["acl"] !== "private"
            ? [`${label(b)}: acl ${String(b.inputs["acl"])}`]
            : []),
        ];
      }),
  },
  {
    description: "every bucket encrypts objects by default",
    check: (resources) =>
      bucketsOf(resources).flatMap((b) => {
        const configs = attachedTo(
          resources,
          "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
          b,
        );
        const ok = configs.some((c) =>
          list(
            c.inputs["rules"] as {
              applyServerSideEncryptionByDefault?: {
                sseAlgorithm?: string;
                kmsMasterKeyId?: string;
              };
            }[],
          ).some((rule) => {
            const d = rule.applyServerSideEncryptionByDefault;
            return (
              d?.sseAlgorithm === "AES256" || (d?.sseAlgorithm === "aws:kms" && !!d.kmsMasterKeyId)
            );
          }),
        );
        return ok ? [] : [`${label(b)}: no default encryption`];
      }),
  },
  {
    description: "every bucket is versioned",
    check: (resources) =>
      bucketsOf(resources).flatMap((b) =>
        attachedTo(resources, "aws:s3/bucketVersioning:BucketVersioning", b).some(
          (v) => (v.inputs["versioningConfiguration"] as { status?: string })?.status === "Enabled",
        )
          ? []
          : [`${label(b)}: versioning not enabled`],
      ),
  },
  {
    description: "every bucket denies requests without TLS",
    check: (resources) =>
      bucketsOf(resources).flatMap((b) => {
        const arn = `arn:aws:s3:::${String(b.inputs["bucket"])}`;
        const denies = attachedTo(resources, "aws:s3/bucketPolicy:BucketPolicy", b)
          .flatMap((p) => parse(p.inputs["policy"]) ?? [])
          .some(
            (s) =>
              s.Effect === "Deny" &&
              s.Principal === "*" &&
              list(s.Action).some(
                (a) => actionMatches(a, "s3:GetObject") && actionMatches(a, "s3:PutObject"),
              ) &&
              list(s.Resource).includes(arn) &&
              list(s.Resource).includes(`${arn}/*`) &&
              [false, "false"].includes(
                s.Condition?.["Bool"]?.["aws:SecureTransport"] as boolean | string,
              ),
          );
        return denies
          ? []
          : [`${label(b)}: no Deny on aws:SecureTransport=false for the bucket and its objects`];
      }),
  },
  {
    description: "every log group has a retention and is encrypted with a customer key",
    check: (resources) =>
      resources
        .filter((r) => r.type === "aws:cloudwatch/logGroup:LogGroup")
        .flatMap((r) => [
          ...(Number(r.inputs["retentionInDays"] ?? 0) > 0 ? [] : [`${label(r)}: kept forever`]),
          ...(r.inputs["kmsKeyId"] ? [] : [`${label(r)}: not encrypted with a customer key`]),
        ]),
  },
  {
    description: "every Lambda function logs to a log group of the stack, which has a retention",
    check: (resources) =>
      resources
        .filter((r) => r.type === "aws:lambda/function:Function")
        .flatMap((r) => {
          const config = r.inputs["loggingConfig"] as { logGroup?: string } | undefined;
          const group = config?.logGroup ?? `/aws/lambda/${String(r.inputs["name"])}`;
          const found = resources.find(
            (g) => g.type === "aws:cloudwatch/logGroup:LogGroup" && g.inputs["name"] === group,
          );
          if (!found) return [`${label(r)}: logs to ${group}, which the stack does not create`];
          return Number(found.inputs["retentionInDays"] ?? 0) > 0
            ? []
            : [`${label(r)}: its log group ${group} is kept forever`];
        }),
  },
  {
    description: "every SNS topic is encrypted with a customer key",
    check: (resources) =>
      resources
        .filter((r) => r.type === "aws:sns/topic:Topic")
        .flatMap((r) => {
          const key = r.inputs["kmsMasterKeyId"];
          if (typeof key !== "string" || key === "") return [`${label(r)}: not encrypted`];
          return key === "alias/aws/sns" ? [`${label(r)}: encrypted with the AWS managed key`] : [];
        }),
  },
  {
    // IAM counts the characters of a role's inline policies together, whitespace left out.
    description: "every role's inline policies fit IAM's 10,240 characters",
    check: (resources) => {
      const size = new Map<string, number>();
      for (const r of resources.filter((x) => x.type === "aws:iam/rolePolicy:RolePolicy")) {
        const role = String(r.inputs["role"]);
        const text = String(r.inputs["policy"]).replace(/\s+/g, "");
        size.set(role, (size.get(role) ?? 0) + text.length);
      }
      return [...size]
        .filter(([, n]) => n > 10240)
        .map(([role, n]) => `role ${role}: ${n} characters of inline policy`);
    },
  },
  {
    description: "no security group accepts traffic from the internet",
    check: (resources) =>
      resources.flatMap((r) => {
        const open = (x: Record<string, unknown>) =>
          [
            x["cidrIpv4"],
            x["cidrIpv6"],
            ...list(x["cidrBlocks"] as string[]),
            ...list(x["ipv6CidrBlocks"] as string[]),
          ].some((c) => c === "0.0.0.0/0" || c === "::/0");
        if (
          r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" &&
          open(r.inputs)
        )
          return [`${label(r)}: open to the internet`];
        if (
          r.type === "aws:ec2/securityGroupRule:SecurityGroupRule" &&
          r.inputs["type"] === "ingress" &&
          open(r.inputs)
        ) {
          return [`${label(r)}: open to the internet`];
        }
        if (r.type === "aws:ec2/securityGroup:SecurityGroup") {
          return list(r.inputs["ingress"] as Record<string, unknown>[])
            .filter(open)
            .map(() => `${label(r)}: inline ingress open to the internet`);
        }
        return [];
      }),
  },
  {
    // CIS AWS Foundations 3.9.
    description:
      "every VPC logs all its traffic to a log group of the stack that has a retention and a customer key, as a role only VPC flow logs may assume",
    check: (resources) =>
      ofType(resources, VPC).flatMap((vpc) => {
        const logs = ofType(resources, "aws:ec2/flowLog:FlowLog").filter(
          (f) => f.inputs["vpcId"] === vpc.id && f.inputs["trafficType"] === "ALL",
        );
        if (!logs.length) return [`${label(vpc)}: no flow log of all traffic`];
        return logs.flatMap((f) => {
          const group = ofType(resources, LOG_GROUP).find(
            (g) => arnOf(g) === f.inputs["logDestination"],
          );
          const role = ofType(resources, "aws:iam/role:Role").find(
            (r) => arnOf(r) === f.inputs["iamRoleArn"],
          );
          const trusted = (parse(role?.inputs["assumeRolePolicy"]) ?? []).some(
            (st) =>
              st.Effect === "Allow" &&
              list((st.Principal as { Service?: string | string[] })?.Service).includes(
                "vpc-flow-logs.amazonaws.com",
              ),
          );
          return [
            ...((f.inputs["logDestinationType"] ?? "cloud-watch-logs") === "cloud-watch-logs" &&
            group
              ? []
              : [
                  `${label(f)}: logs to ${String(f.inputs["logDestination"])}, not a group of the stack`,
                ]),
            ...(group && !(Number(group.inputs["retentionInDays"] ?? 0) > 0)
              ? [`${label(f)}: its log group is kept forever`]
              : []),
            ...(group && !group.inputs["kmsKeyId"]
              ? [`${label(f)}: its log group is not encrypted with a customer key`]
              : []),
            ...(trusted ? [] : [`${label(f)}: its role is not one VPC flow logs assumes`]),
          ];
        });
      }),
  },
  {
    // CIS AWS Foundations 5.4: whatever is put in the VPC without a group of its own gets none.
    description: "every VPC's default security group is managed by the stack and has no rules",
    check: (resources) =>
      ofType(resources, VPC).flatMap((vpc) => {
        const groups = ofType(
          resources,
          "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        ).filter((g) => g.inputs["vpcId"] === vpc.id);
        if (!groups.length) return [`${label(vpc)}: default security group left as AWS makes it`];
        return groups.flatMap((g) => [
          ...["ingress", "egress"]
            .filter((k) => list(g.inputs[k] as unknown[]).length > 0)
            .map((k) => `${label(g)}: has ${k} rules`),
          ...resources
            .filter(
              (r) =>
                /^aws:(vpc\/securityGroup(Ingress|Egress)Rule|ec2\/securityGroupRule):/.test(
                  r.type,
                ) && r.inputs["securityGroupId"] === g.id,
            )
            .map((r) => `${label(r)}: a rule on the default security group`),
        ]);
      }),
  },
  {
    // Without it S3 goes through the NAT gateway, or nowhere without one.
    description:
      "every route table without an internet gateway route, the ones of MWAA's subnets among them, sends S3 to a gateway endpoint",
    check: (resources) => {
      const igws = new Set(
        ofType(resources, "aws:ec2/internetGateway:InternetGateway").map((g) => g.id),
      );
      const routes = ofType(resources, "aws:ec2/route:Route");
      const associations = ofType(resources, "aws:ec2/routeTableAssociation:RouteTableAssociation");
      const s3 = ofType(resources, "aws:ec2/vpcEndpoint:VpcEndpoint").filter(
        (e) =>
          String(e.inputs["vpcEndpointType"]).toLowerCase() === "gateway" &&
          /\.s3$/.test(String(e.inputs["serviceName"])),
      );
      const covered = (table: string) =>
        s3.some((e) => list(e.inputs["routeTableIds"] as string[]).includes(table));
      const tables = ofType(resources, "aws:ec2/routeTable:RouteTable")
        .filter(
          (t) =>
            !routes.some(
              (r) => r.inputs["routeTableId"] === t.id && igws.has(String(r.inputs["gatewayId"])),
            ),
        )
        .filter((t) => !covered(t.id))
        .map((t) => `${label(t)}: S3 not through a gateway endpoint`);
      const mwaa = ofType(resources, "aws:mwaa/environment:Environment").flatMap((env) =>
        list(
          (env.inputs["networkConfiguration"] as { subnetIds?: string[] } | undefined)?.subnetIds,
        )
          .filter((subnet) => {
            const own = associations.filter((a) => a.inputs["subnetId"] === subnet);
            return !own.length || !own.every((a) => covered(String(a.inputs["routeTableId"])));
          })
          .map(
            (subnet) =>
              `${label(env)}: subnet ${subnet} has no route table sending S3 to a gateway endpoint`,
          ),
      );
      return [...tables, ...mwaa];
    },
  },
  {
    description:
      "every AWS resource is created through the stack's provider, which tags it with the project and stack",
    check: (resources) => {
      const providers = resources.filter((r) => r.type === "pulumi:providers:aws");
      const tagged = new Set(
        providers
          .filter((p) => {
            // Provider inputs reach the engine as JSON strings.
            const raw = p.inputs["defaultTags"];
            const tags =
              (
                (typeof raw === "string" ? JSON.parse(raw) : raw) as
                  { tags?: Record<string, string> } | undefined
              )?.tags ?? {};
            return tags["dagspec:project"] && tags["dagspec:stack"];
          })
          // A provider reference is `<urn ending in ::<type>::<name>>::<id>`.
          .map((p) => `::${p.type}::${p.name}::${p.id}`),
      );
      const uses = (ref: string | undefined) =>
        ref !== undefined && [...tagged].some((t) => ref.endsWith(t));
      return resources.flatMap((r) => {
        if (r.type.startsWith("aws:") && r.custom && !uses(r.provider))
          return [`${label(r)}: not created through the tagged provider`];
        if (r.type.startsWith("awsx:") && !uses(r.providers["aws"]))
          return [`${label(r)}: remote component without the tagged provider`];
        return [];
      });
    },
  },
];
