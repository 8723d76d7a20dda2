// Physical names of everything the stack creates. Every name carries the project and the stack,
// so two stacks in one account never collide; S3 names also carry the account and region, as
// bucket names are global. A name over its AWS limit, or one that had to be changed to fit the
// allowed characters, ends in a hash of the full name, so it stays unique and deterministic.

import { createHash } from "node:crypto";
import { pipelineKey } from "../compiler/variables";

export interface Naming {
  project: string;
  stack: string;
}

/** AWS name limits, in characters. */
export const LIMITS = {
  s3Bucket: 63,
  iamRole: 64,
  glueJob: 255,
  glueCrawler: 255,
  glueDatabase: 255,
  glueSecurityConfiguration: 255,
  mwaaEnvironment: 80,
  securityGroup: 255,
  kmsAlias: 256,
  logGroup: 512,
  lambdaFunction: 64,
  snsTopic: 256,
  /** The stack's prefix of per-run SageMaker names (compiler/variables.ts NAME_PREFIX). */
  namePrefix: 16,
  /** SageMaker job, model, endpoint and model package group names. */
  sagemakerName: 63,
} as const;

const HASH_LENGTH = 8;

export function shortHash(s: string): string {
  return createHash("sha256").update(s).digest("hex").slice(0, HASH_LENGTH);
}

interface Rule {
  max: number;
  /** Maps characters outside the allowed set; must be idempotent. */
  clean: (s: string) => string;
  separator: string;
  /** Characters a name may not end with (before a hash suffix is added). */
  trim: RegExp;
}

/**
 * Joins the parts with the rule's separator, cleans the result and fits it to the limit. When the
 * cleaned name differs from the joined one, or is too long, a hash of the joined name is added so
 * distinct inputs keep distinct names.
 */
export function fitName(parts: readonly string[], rule: Rule): string {
  const joined = parts.join(rule.separator);
  const cleaned = rule.clean(joined);
  if (cleaned === joined && cleaned.length <= rule.max) return cleaned;
  const suffix = rule.separator + shortHash(joined);
  const head = cleaned.slice(0, rule.max - suffix.length).replace(rule.trim, "");
  return head + suffix;
}

const RULES = {
  // Lowercase letters, digits and hyphens; starts and ends with a letter or digit.
  s3: {
    max: LIMITS.s3Bucket,
    clean: (s: string) =>
      s
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/^-+|-+$/g, ""),
    separator: "-",
    trim: /-+$/,
  },
  iam: {
    max: LIMITS.iamRole,
    clean: (s: string) => s.replace(/[^\w+=,.@-]+/g, "-"),
    separator: "-",
    trim: /[-.]+$/,
  },
  glue: {
    max: LIMITS.glueJob,
    clean: (s: string) => s.replace(/[^\w.-]+/g, "-"),
    separator: "-",
    trim: /[-.]+$/,
  },
  // Athena and Spark want lowercase database names of letters, digits and _.
  database: {
    max: LIMITS.glueDatabase,
    clean: (s: string) => s.toLowerCase().replace(/[^a-z0-9_]+/g, "_"),
    separator: "_",
    trim: /_+$/,
  },
  mwaa: {
    max: LIMITS.mwaaEnvironment,
    clean: (s: string) => s.replace(/[^A-Za-z0-9_-]+/g, "-"),
    separator: "-",
    trim: /-+$/,
  },
  // Lambda function and SNS topic names: letters, digits, - and _.
  lambda: {
    max: LIMITS.lambdaFunction,
    clean: (s: string) => s.replace(/[^A-Za-z0-9_-]+/g, "-"),
    separator: "-",
    trim: /[-_]+$/,
  },
} satisfies Record<string, Rule>;

const NAME_PREFIX_LEAD = "ds";
const NAME_PREFIX_HASH = 4;

/**
 * The stack's short prefix of SageMaker names: `ds-<stack>-<hash>`, at most 16 characters of
 * lowercase letters and digits. `<stack>` is the stack name's letters and digits, cut to fit;
 * `<hash>` is 4 hex digits of the project and stack, always present.
 *
 * Always exactly two hyphens, none inside `<stack>`, makes the prefixes of two stacks
 * prefix-free: one stack's `<prefix>-` never starts another stack's name, so the IAM pattern
 * `<prefix>-*` of one stack matches no job, model or endpoint of another, and an endpoint
 * `<prefix>-<name>` can never equal another stack's. (Two stacks could only share a prefix if
 * their names agree in the letters and digits kept and their hashes agree: 1 in 65,536.)
 */
export function namePrefix(naming: Naming): string {
  const hash = createHash("sha256")
    .update(JSON.stringify([naming.project, naming.stack]))
    .digest("hex")
    .slice(0, NAME_PREFIX_HASH);
  const room = LIMITS.namePrefix - NAME_PREFIX_LEAD.length - NAME_PREFIX_HASH - 2;
  const stack =
    naming.stack
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "")
      .slice(0, room) || "0";
  return `${NAME_PREFIX_LEAD}-${stack}-${hash}`;
}

/** The names that do not depend on the account: everything but S3 buckets. */
export class StackNames {
  constructor(readonly naming: Naming) {}

  private parts(...rest: string[]): string[] {
    return [this.naming.project, this.naming.stack, ...rest];
  }

  /** The short prefix of per-run SageMaker names, endpoints and model package groups. */
  namePrefix(): string {
    return namePrefix(this.naming);
  }

  /** The stable endpoint of a sagemaker.endpoint task, as the DAG names it. */
  sagemakerEndpoint(endpoint: string): string {
    return `${this.namePrefix()}-${endpoint}`;
  }

  /** The model package group of a sagemaker.register task, as the DAG names it. */
  modelPackageGroup(group: string): string {
    return `${this.namePrefix()}-${group}`;
  }

  lambdaFunction(pipeline: string, fn: string): string {
    return fitName(this.parts(pipeline, fn), RULES.lambda);
  }

  /** Where Lambda writes a function's logs by default; the stack creates the group itself. */
  lambdaLogGroup(functionName: string): string {
    return `/aws/lambda/${functionName}`;
  }

  snsTopic(pipeline: string, topic: string): string {
    return fitName(this.parts(pipeline, topic), { ...RULES.lambda, max: LIMITS.snsTopic });
  }

  role(purpose: string): string {
    return fitName(this.parts(purpose), RULES.iam);
  }

  glueCrawler(pipeline: string, dataset: string): string {
    return fitName(this.parts(pipeline, dataset), { ...RULES.glue, max: LIMITS.glueCrawler });
  }

  glueJob(pipeline: string, task: string): string {
    return fitName(this.parts(pipeline, task), RULES.glue);
  }

  glueDatabase(database: string): string {
    return fitName(this.parts(database), RULES.database);
  }

  glueSecurityConfiguration(): string {
    return fitName(this.parts("glue"), { ...RULES.glue, max: LIMITS.glueSecurityConfiguration });
  }

  /** Continuous-logging group of one Glue job; Glue's own groups are under /aws-glue/ too. */
  glueJobLogGroup(pipeline: string, task: string): string {
    return `/aws-glue/${this.naming.project}/${this.naming.stack}/${pipelineKey(pipeline)}/${task}`;
  }

  /** The flow logs of the MWAA VPC, beside the stack's SSM parameters in the name space. */
  vpcFlowLogGroup(): string {
    return `${this.parameterRoot()}/vpc-flow-logs`;
  }

  mwaaEnvironment(): string {
    const name = fitName(this.parts(), RULES.mwaa);
    // MWAA names start with a letter.
    return /^[A-Za-z]/.test(name) ? name : fitName(["env", ...this.parts()], RULES.mwaa);
  }

  securityGroup(purpose: string): string {
    return fitName(this.parts(purpose), { ...RULES.glue, max: LIMITS.securityGroup });
  }

  kmsAlias(): string {
    return `alias/${fitName(this.parts(), { ...RULES.glue, max: LIMITS.kmsAlias - 6 })}`;
  }

  /** Where MWAA's secrets backend looks: `<root>/variables/<name>`, `<root>/connections/<id>`. */
  parameterRoot(): string {
    return `/${this.naming.project}/${this.naming.stack}`;
  }

  variablesPrefix(): string {
    return `${this.parameterRoot()}/variables`;
  }

  connectionsPrefix(): string {
    return `${this.parameterRoot()}/connections`;
  }
}

export const BUCKET_PURPOSES = ["lake", "logs", "scripts", "airflow"] as const;
export type BucketPurpose = (typeof BUCKET_PURPOSES)[number];

/** S3 bucket names: global, so they carry the account and region as well. */
export function bucketName(
  naming: Naming,
  purpose: BucketPurpose,
  accountId: string,
  region: string,
): string {
  return fitName([naming.project, naming.stack, purpose, accountId, region], RULES.s3);
}

/** Tags on every resource (through the provider's default tags), user tags after the stack's. */
export function stackTags(
  naming: Naming,
  userTags: Record<string, string>,
): Record<string, string> {
  return { "dagspec:project": naming.project, "dagspec:stack": naming.stack, ...userTags };
}
