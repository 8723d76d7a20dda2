// Stack configuration: every `dagspec:*` key of Pulumi.<stack>.yaml, read and checked by one pure
// function before any resource exists. Defaults are written once, here.

import { didYouMean } from "../compiler/diagnostics";
import type { AirflowTarget } from "../compiler/ir";

export const NAMESPACE = "dagspec";

/** MWAA's Airflow versions and what they imply; the compiler target must match the version. */
export const AIRFLOW_VERSIONS = {
  "2.10.3": { target: "2.10", python: "3.11", amazonProvider: "9.0.0" },
  "3.0.6": { target: "3.0", python: "3.12", amazonProvider: "9.12.0" },
} as const satisfies Record<
  string,
  { target: AirflowTarget; python: string; amazonProvider: string }
>;
export type AirflowVersion = keyof typeof AIRFLOW_VERSIONS;

export const ENVIRONMENT_CLASSES = [
  "mw1.micro",
  "mw1.small",
  "mw1.medium",
  "mw1.large",
  "mw1.xlarge",
  "mw1.2xlarge",
] as const;
export type EnvironmentClass = (typeof ENVIRONMENT_CLASSES)[number];

export const ACCESS_MODES = ["PRIVATE_ONLY", "PUBLIC_ONLY"] as const;
export type AccessMode = (typeof ACCESS_MODES)[number];

export const NAT_STRATEGIES = ["single", "onePerAz", "none"] as const;
export type NatStrategy = (typeof NAT_STRATEGIES)[number];

/** The retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

/** The Airflow roles MWAA maps IAM to (the `rbac-role` resource of CreateWebLoginToken). */
export const AIRFLOW_ROLES = ["Admin", "Op", "User", "Viewer"] as const;
export type AirflowRole = (typeof AIRFLOW_ROLES)[number];

/** S3 objects take at most 10 tags and the provider's default tags reach every object. */
export const MAX_USER_TAGS = 8;

export const DEFAULTS = {
  airflowVersion: "2.10.3" as AirflowVersion,
  environmentClass: "mw1.small" as EnvironmentClass,
  minWorkers: 1,
  maxWorkers: 5,
  schedulers: 2,
  webserverAccessMode: "PRIVATE_ONLY" as AccessMode,
  weeklyMaintenanceWindowStart: "SUN:03:00",
  natStrategy: "single" as NatStrategy,
  vpcCidr: "10.42.0.0/16",
  kmsKeyArn: "",
  noncurrentVersionDays: 90,
  logRetentionDays: 365,
  protectLake: true,
  tags: {} as Record<string, string>,
  operatorRole: "",
  operatorGroup: "",
  operatorAirflowRole: "Op" as AirflowRole,
};

/** The keys of the `dagspec` namespace; anything else in it is a typo and fails. */
export const CONFIG_KEYS = Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[];

export interface StackConfig {
  region: string;
  airflow: {
    version: AirflowVersion;
    target: AirflowTarget;
    python: string;
    amazonProvider: string;
  };
  environmentClass: EnvironmentClass;
  minWorkers: number;
  maxWorkers: number;
  schedulers: number;
  webserverAccessMode: AccessMode;
  weeklyMaintenanceWindowStart: string;
  natStrategy: NatStrategy;
  vpcCidr: string;
  /** Create a customer managed key, or use an existing one. */
  kms: { create: true } | { create: false; keyArn: string };
  noncurrentVersionDays: number;
  logRetentionDays: number;
  /** Protect the data lake bucket and keep it when the stack is destroyed. */
  protectLake: boolean;
  tags: Record<string, string>;
  /**
   * Who may operate the pipelines from a terminal (`dagspec trigger`, ... `dagspec ui`): an
   * existing IAM role and/or group that the stack attaches its operator policy to.
   */
  operators: { roleName?: string; groupName?: string; airflowRole: AirflowRole };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid stack configuration:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/**
 * Reads the stack configuration from raw values keyed like `pulumi config` shows them
 * (`dagspec:minWorkers`, `aws:region`). Values may be strings (what Pulumi hands a program) or
 * already typed. Every problem is reported at once, each naming its key.
 */
export function readConfig(raw: Readonly<Record<string, unknown>>): StackConfig {
  const problems: string[] = [];
  const fail = (key: string, message: string) => problems.push(`${key}: ${message}`);
  const prefix = `${NAMESPACE}:`;
  const keys = CONFIG_KEYS as string[];
  for (const k of Object.keys(raw)) {
    if (!k.startsWith(prefix)) continue;
    const short = k.slice(prefix.length);
    if (!keys.includes(short)) fail(k, `unknown key${suggest(short, keys)}`);
  }
  const get = (key: keyof typeof DEFAULTS): unknown => {
    const v = raw[prefix + key];
    return v === undefined || v === "" ? undefined : v;
  };
  const read = new Reader(fail);

  const region = raw["aws:region"];
  if (typeof region !== "string" || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    fail("aws:region", `set it to an AWS region such as eu-west-1 (got ${show(region)})`);
  }

  const version = read.oneOf(
    `${prefix}airflowVersion`,
    get("airflowVersion"),
    Object.keys(AIRFLOW_VERSIONS) as AirflowVersion[],
    DEFAULTS.airflowVersion,
  );
  const environmentClass = read.oneOf(
    `${prefix}environmentClass`,
    get("environmentClass"),
    ENVIRONMENT_CLASSES,
    DEFAULTS.environmentClass,
  );
  const micro = environmentClass === "mw1.micro";
  const minWorkers = read.integer(
    `${prefix}minWorkers`,
    get("minWorkers"),
    1,
    25,
    DEFAULTS.minWorkers,
  );
  const maxWorkers = read.integer(
    `${prefix}maxWorkers`,
    get("maxWorkers"),
    1,
    25,
    micro ? 1 : DEFAULTS.maxWorkers,
  );
  const schedulers = read.integer(
    `${prefix}schedulers`,
    get("schedulers"),
    micro ? 1 : 2,
    micro ? 1 : 5,
    micro ? 1 : DEFAULTS.schedulers,
  );
  if (minWorkers > maxWorkers) {
    fail(`${prefix}minWorkers`, `${minWorkers} is more than ${prefix}maxWorkers (${maxWorkers})`);
  }
  if (micro && maxWorkers > 1) {
    fail(`${prefix}maxWorkers`, `mw1.micro runs one worker; set it to 1 (got ${maxWorkers})`);
  }
  const webserverAccessMode = read.oneOf(
    `${prefix}webserverAccessMode`,
    get("webserverAccessMode"),
    ACCESS_MODES,
    DEFAULTS.webserverAccessMode,
  );
  const window = read.text(
    `${prefix}weeklyMaintenanceWindowStart`,
    get("weeklyMaintenanceWindowStart"),
    DEFAULTS.weeklyMaintenanceWindowStart,
  );
  if (!/^(MON|TUE|WED|THU|FRI|SAT|SUN):([01]\d|2[0-3]):(00|30)$/.test(window)) {
    fail(
      `${prefix}weeklyMaintenanceWindowStart`,
      `write DAY:HH:MM in UTC on a half hour, e.g. SUN:03:00 (got ${show(window)})`,
    );
  }
  const natStrategy = read.oneOf(
    `${prefix}natStrategy`,
    get("natStrategy"),
    NAT_STRATEGIES,
    DEFAULTS.natStrategy,
  );
  const vpcCidr = read.text(`${prefix}vpcCidr`, get("vpcCidr"), DEFAULTS.vpcCidr);
  if (!isCidr(vpcCidr, 16, 22)) {
    fail(
      `${prefix}vpcCidr`,
      `write an IPv4 block from /16 to /22, e.g. 10.42.0.0/16 (got ${show(vpcCidr)})`,
    );
  }
  const kmsKeyArn = read.text(`${prefix}kmsKeyArn`, get("kmsKeyArn"), DEFAULTS.kmsKeyArn);
  if (kmsKeyArn) {
    const m = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key\/([0-9a-z-]{32,40})$/.exec(kmsKeyArn);
    if (!m)
      fail(
        `${prefix}kmsKeyArn`,
        `expected a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), got ${show(kmsKeyArn)}`,
      );
    // MWAA takes single-region keys only.
    else if (m[2]!.startsWith("mrk-"))
      fail(`${prefix}kmsKeyArn`, "MWAA does not take multi-Region keys (mrk-...)");
    else if (typeof region === "string" && m[1] !== region) {
      fail(`${prefix}kmsKeyArn`, `the key is in ${m[1]} but the stack deploys to ${region}`);
    }
  }
  const noncurrentVersionDays = read.integer(
    `${prefix}noncurrentVersionDays`,
    get("noncurrentVersionDays"),
    1,
    3650,
    DEFAULTS.noncurrentVersionDays,
  );
  const logRetentionDays = read.integer(
    `${prefix}logRetentionDays`,
    get("logRetentionDays"),
    1,
    3653,
    DEFAULTS.logRetentionDays,
  );
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    fail(
      `${prefix}logRetentionDays`,
      `CloudWatch accepts ${LOG_RETENTION_DAYS.join(", ")} (got ${logRetentionDays})`,
    );
  }
  const protectLake = read.boolean(
    `${prefix}protectLake`,
    get("protectLake"),
    DEFAULTS.protectLake,
  );
  const tags = read.tags(`${prefix}tags`, get("tags"));
  const operatorRole = read.text(`${prefix}operatorRole`, get("operatorRole"), "");
  if (operatorRole && !/^[\w+=,.@-]{1,64}$/.test(operatorRole)) {
    fail(
      `${prefix}operatorRole`,
      `expected an IAM role name (1-64 letters, digits and +=,.@_-), got ${show(operatorRole)}`,
    );
  }
  const operatorGroup = read.text(`${prefix}operatorGroup`, get("operatorGroup"), "");
  if (operatorGroup && !/^[\w+=,.@-]{1,128}$/.test(operatorGroup)) {
    fail(
      `${prefix}operatorGroup`,
      `expected an IAM group name (1-128 letters, digits and +=,.@_-), got ${show(operatorGroup)}`,
    );
  }
  const operatorAirflowRole = read.oneOf(
    `${prefix}operatorAirflowRole`,
    get("operatorAirflowRole"),
    AIRFLOW_ROLES,
    DEFAULTS.operatorAirflowRole,
  );

  if (problems.length) throw new ConfigError(problems);
  const airflow = AIRFLOW_VERSIONS[version];
  return {
    region: region as string,
    airflow: { version, ...airflow },
    environmentClass,
    minWorkers,
    maxWorkers,
    schedulers,
    webserverAccessMode,
    weeklyMaintenanceWindowStart: window,
    natStrategy,
    vpcCidr,
    kms: kmsKeyArn ? { create: false, keyArn: kmsKeyArn } : { create: true },
    noncurrentVersionDays,
    logRetentionDays,
    protectLake,
    tags,
    operators: {
      ...(operatorRole ? { roleName: operatorRole } : {}),
      ...(operatorGroup ? { groupName: operatorGroup } : {}),
      airflowRole: operatorAirflowRole,
    },
  };
}

/** Typed readers that report a problem and return the default, so checking continues. */
class Reader {
  constructor(private readonly fail: (key: string, message: string) => void) {}

  oneOf<T extends string>(key: string, v: unknown, allowed: readonly T[], fallback: T): T {
    if (v === undefined) return fallback;
    if (typeof v === "string" && (allowed as readonly string[]).includes(v)) return v as T;
    this.fail(
      key,
      `expected one of ${allowed.join(", ")}, got ${show(v)}${suggest(String(v), allowed)}`,
    );
    return fallback;
  }

  integer(key: string, v: unknown, min: number, max: number, fallback: number): number {
    if (v === undefined) return fallback;
    const n =
      typeof v === "number"
        ? v
        : typeof v === "string" && /^-?\d+$/.test(v.trim())
          ? Number(v)
          : NaN;
    if (!Number.isInteger(n)) {
      this.fail(key, `expected a whole number, got ${show(v)}`);
      return fallback;
    }
    if (n < min || n > max) {
      this.fail(key, `expected ${min === max ? min : `${min} to ${max}`}, got ${n}`);
      return fallback;
    }
    return n;
  }

  boolean(key: string, v: unknown, fallback: boolean): boolean {
    if (v === undefined) return fallback;
    if (v === true || v === "true") return true;
    if (v === false || v === "false") return false;
    this.fail(key, `expected true or false, got ${show(v)}`);
    return fallback;
  }

  text(key: string, v: unknown, fallback: string): string {
    if (v === undefined) return fallback;
    if (typeof v === "string") return v;
    this.fail(key, `expected a string, got ${show(v)}`);
    return fallback;
  }

  tags(key: string, v: unknown): Record<string, string> {
    if (v === undefined) return { ...DEFAULTS.tags };
    let value = v;
    if (typeof v === "string") {
      try {
        value = JSON.parse(v);
      } catch {
        this.fail(key, `expected a map of tag names to values, got ${show(v)}`);
        return {};
      }
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.fail(key, `expected a map of tag names to values, got ${show(v)}`);
      return {};
    }
    const out: Record<string, string> = {};
    const entries = Object.entries(value);
    if (entries.length > MAX_USER_TAGS) {
      this.fail(
        key,
        `at most ${MAX_USER_TAGS} tags (S3 objects take 10 and the stack adds 2), got ${entries.length}`,
      );
    }
    for (const [k, tag] of entries) {
      if (typeof tag !== "string") this.fail(key, `tag ${k} must have a string value`);
      else if (k.length < 1 || k.length > 128 || !/^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u.test(k)) {
        this.fail(key, `tag name ${show(k)} must be 1-128 letters, digits, spaces or _.:/=+-@`);
      } else if (k.toLowerCase().startsWith("aws:"))
        this.fail(key, `tag name ${show(k)} may not start with aws:`);
      else if (k === "dagspec:project" || k === "dagspec:stack")
        this.fail(key, `the stack sets ${k} itself`);
      else if (tag.length > 256 || !/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(tag)) {
        this.fail(
          key,
          `tag ${k} has a value longer than 256 characters or with other characters than letters, digits, spaces and _.:/=+-@`,
        );
      } else out[k] = tag;
    }
    return out;
  }
}

/** The nearest allowed value: same letters in another case, the one it starts, or the closest. */
function suggest(word: string, allowed: readonly string[]): string {
  const lower = word.toLowerCase();
  const hits = allowed.filter(
    (a) => a.toLowerCase() === lower || a.toLowerCase().startsWith(lower),
  );
  return hits.length === 1 ? `; did you mean "${hits[0]}"?` : didYouMean(word, allowed);
}

function isCidr(s: string, minBits: number, maxBits: number): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(s);
  if (!m) return false;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits < minBits || bits > maxBits) return false;
  const address = octets.reduce((a, o) => a * 256 + o, 0);
  return address % 2 ** (32 - bits) === 0;
}

function show(v: unknown): string {
  return v === undefined ? "nothing" : JSON.stringify(v);
}
