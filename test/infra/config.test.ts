import { expect } from "chai";
import { ConfigError, DEFAULTS, readConfig, type StackConfig } from "../../infra/config";

const region = { "aws:region": "eu-west-1" };

function problems(raw: Record<string, unknown>): string[] {
  try {
    readConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error("readConfig accepted the configuration");
}

describe("the stack configuration", () => {
  it("needs only a region and defaults everything else", () => {
    const c: StackConfig = readConfig(region);
    expect(c.region).to.equal("eu-west-1");
    expect(c.airflow).to.deep.equal({
      version: "2.10.3",
      target: "2.10",
      python: "3.11",
      amazonProvider: "9.0.0",
    });
    expect(c.environmentClass).to.equal("mw1.small");
    expect([c.minWorkers, c.maxWorkers, c.schedulers]).to.deep.equal([1, DEFAULTS.maxWorkers, 2]);
    expect(c.webserverAccessMode).to.equal("PRIVATE_ONLY");
    expect(c.natStrategy).to.equal("single");
    expect(c.kms).to.deep.equal({ create: true });
    expect(c.protectLake).to.equal(true);
    expect(c.noncurrentVersionDays).to.equal(90);
    expect(c.logRetentionDays).to.equal(365);
    expect(c.tags).to.deep.equal({});
  });

  it("maps Airflow 3.0.6 to the compiler's 3.0 target and Python 3.12", () => {
    const c = readConfig({ ...region, "dagspec:airflowVersion": "3.0.6" });
    expect(c.airflow).to.deep.equal({
      version: "3.0.6",
      target: "3.0",
      python: "3.12",
      amazonProvider: "9.12.0",
    });
  });

  it("reads the strings Pulumi hands a program as numbers, booleans and maps", () => {
    const c = readConfig({
      ...region,
      "dagspec:minWorkers": "2",
      "dagspec:maxWorkers": "8",
      "dagspec:schedulers": "3",
      "dagspec:protectLake": "false",
      "dagspec:tags": '{"team":"ml-platform","cost-center":"42"}',
      "dagspec:kmsKeyArn":
        "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    });
    expect([c.minWorkers, c.maxWorkers, c.schedulers, c.protectLake]).to.deep.equal([
      2,
      8,
      3,
      false,
    ]);
    expect(c.tags).to.deep.equal({ team: "ml-platform", "cost-center": "42" });
    expect(c.kms).to.deep.equal({
      create: false,
      keyArn: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    });
  });

  const invalid: [string, Record<string, unknown>, string, RegExp][] = [
    [
      "an unknown environment class",
      { "dagspec:environmentClass": "mw1.huge" },
      "dagspec:environmentClass",
      /mw1\.micro, mw1\.small/,
    ],
    [
      "a typo in the access mode",
      { "dagspec:webserverAccessMode": "PRIVATE" },
      "dagspec:webserverAccessMode",
      /did you mean "PRIVATE_ONLY"/,
    ],
    [
      "more minimum than maximum workers",
      { "dagspec:minWorkers": 5, "dagspec:maxWorkers": 2 },
      "dagspec:minWorkers",
      /more than dagspec:maxWorkers/,
    ],
    [
      "a fractional worker count",
      { "dagspec:maxWorkers": "2.5" },
      "dagspec:maxWorkers",
      /whole number/,
    ],
    ["too many workers", { "dagspec:maxWorkers": 26 }, "dagspec:maxWorkers", /1 to 25/],
    [
      "one scheduler on a small environment",
      { "dagspec:schedulers": 1 },
      "dagspec:schedulers",
      /2 to 5/,
    ],
    [
      "two workers on mw1.micro",
      { "dagspec:environmentClass": "mw1.micro", "dagspec:maxWorkers": 2 },
      "dagspec:maxWorkers",
      /1, got 2|one worker/,
    ],
    [
      "an Airflow version MWAA does not run",
      { "dagspec:airflowVersion": "2.9.2" },
      "dagspec:airflowVersion",
      /2\.10\.3, 3\.0\.6/,
    ],
    [
      "an unknown NAT strategy",
      { "dagspec:natStrategy": "perAz" },
      "dagspec:natStrategy",
      /single, onePerAz, none/,
    ],
    [
      "a maintenance window off the half hour",
      { "dagspec:weeklyMaintenanceWindowStart": "SUN:03:15" },
      "dagspec:weeklyMaintenanceWindowStart",
      /half hour/,
    ],
    [
      "a VPC block that is no network address",
      { "dagspec:vpcCidr": "10.42.1.0/16" },
      "dagspec:vpcCidr",
      /IPv4 block/,
    ],
    [
      "a KMS key that is no ARN",
      { "dagspec:kmsKeyArn": "alias/mine" },
      "dagspec:kmsKeyArn",
      /KMS key ARN/,
    ],
    [
      "a KMS key in another region",
      {
        "dagspec:kmsKeyArn":
          "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      },
      "dagspec:kmsKeyArn",
      /us-east-1/,
    ],
    [
      "a multi-Region KMS key",
      {
        "dagspec:kmsKeyArn":
          "arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab",
      },
      "dagspec:kmsKeyArn",
      /multi-Region/,
    ],
    [
      "a log retention CloudWatch does not offer",
      { "dagspec:logRetentionDays": 100 },
      "dagspec:logRetentionDays",
      /CloudWatch accepts/,
    ],
    [
      "a noncurrent version expiry of zero days",
      { "dagspec:noncurrentVersionDays": 0 },
      "dagspec:noncurrentVersionDays",
      /1 to 3650/,
    ],
    [
      "protection that is not a boolean",
      { "dagspec:protectLake": "yes" },
      "dagspec:protectLake",
      /true or false/,
    ],
    ["tags that are not a map", { "dagspec:tags": "[1]" }, "dagspec:tags", /map of tag names/],
    [
      "a tag named aws:",
      { "dagspec:tags": { "aws:owner": "me" } },
      "dagspec:tags",
      /may not start with aws:/,
    ],
    [
      "more tags than an S3 object takes",
      { "dagspec:tags": Object.fromEntries([...Array(9).keys()].map((i) => [`t${i}`, "x"])) },
      "dagspec:tags",
      /at most 8/,
    ],
    [
      "an unknown key",
      { "dagspec:enviromentClass": "mw1.small" },
      "dagspec:enviromentClass",
      /did you mean "environmentClass"/,
    ],
  ];
  for (const [what, raw, key, message] of invalid) {
    it(`rejects ${what}, naming ${key}`, () => {
      const found = problems({ ...region, ...raw });
      expect(
        found.some((p) => p.startsWith(`${key}: `) && message.test(p)),
        found.join("\n"),
      ).to.equal(true);
    });
  }

  it("rejects a missing region, naming aws:region", () => {
    expect(problems({})).to.deep.equal([
      "aws:region: set it to an AWS region such as eu-west-1 (got nothing)",
    ]);
  });

  it("reports every problem at once", () => {
    const found = problems({ "dagspec:environmentClass": "big", "dagspec:natStrategy": "two" });
    expect(found.map((p) => p.split(":").slice(0, 2).join(":"))).to.deep.equal([
      "aws:region",
      "dagspec:environmentClass",
      "dagspec:natStrategy",
    ]);
  });

  it("ignores other namespaces' keys", () => {
    expect(() => readConfig({ ...region, "aws:profile": "dev", "other:key": 1 })).not.to.throw();
  });
});
