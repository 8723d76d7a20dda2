import { expect } from "chai";
import {
  BUCKET_PURPOSES,
  bucketName,
  fitName,
  LIMITS,
  namePrefix,
  shortHash,
  stackTags,
  StackNames,
} from "../../infra/naming";

const dev = new StackNames({ project: "dagspec", stack: "dev" });
const LONG_PIPELINE = `p${"-very-long-pipeline".repeat(3)}`.slice(0, 63);
const LONG_STACK = "team-analytics-production-eu-central-1-blue-green-canary";

describe("physical names", () => {
  it("carry the project and the stack", () => {
    expect(dev.role("mwaa")).to.equal("dagspec-dev-mwaa");
    expect(dev.glueJob("abalone-retrain", "preprocess")).to.equal(
      "dagspec-dev-abalone-retrain-preprocess",
    );
    expect(dev.glueCrawler("abalone-retrain", "survey")).to.equal(
      "dagspec-dev-abalone-retrain-survey",
    );
    expect(dev.glueDatabase("abalone")).to.equal("dagspec_dev_abalone");
    expect(dev.mwaaEnvironment()).to.equal("dagspec-dev");
    expect(dev.variablesPrefix()).to.equal("/dagspec/dev/variables");
    expect(dev.connectionsPrefix()).to.equal("/dagspec/dev/connections");
    expect(dev.lambdaFunction("iris-training", "ingest_iris")).to.equal(
      "dagspec-dev-iris-training-ingest_iris",
    );
    expect(dev.lambdaLogGroup("f")).to.equal("/aws/lambda/f");
    expect(dev.snsTopic("abalone-retrain", "ml_alerts")).to.equal(
      "dagspec-dev-abalone-retrain-ml_alerts",
    );
    expect(dev.sagemakerEndpoint("abalone")).to.equal(`${dev.namePrefix()}-abalone`);
    expect(dev.modelPackageGroup("abalone")).to.equal(`${dev.namePrefix()}-abalone`);
  });

  it("put the account and region in bucket names, which are global", () => {
    expect(bucketName(dev.naming, "lake", "123456789012", "eu-west-1")).to.equal(
      "dagspec-dev-lake-123456789012-eu-west-1",
    );
  });

  it("never collide between two stacks of the project", () => {
    const prod = new StackNames({ project: "dagspec", stack: "prod" });
    const all = (n: StackNames) => [
      n.role("mwaa"),
      n.glueJob("a", "b"),
      n.glueCrawler("a", "b"),
      n.glueDatabase("a"),
      n.mwaaEnvironment(),
      n.variablesPrefix(),
      n.kmsAlias(),
      n.securityGroup("mwaa"),
      n.lambdaFunction("a", "b"),
      n.snsTopic("a", "b"),
      n.namePrefix(),
      n.sagemakerEndpoint("a"),
      n.modelPackageGroup("a"),
      ...BUCKET_PURPOSES.map((p) => bucketName(n.naming, p, "123456789012", "eu-west-1")),
    ];
    const devNames = all(dev);
    expect(all(prod).filter((n) => devNames.includes(n))).to.deep.equal([]);
  });

  it("stay within AWS limits, ending in a hash of the full name when cut", () => {
    const long = new StackNames({ project: "dagspec", stack: LONG_STACK });
    const role = long.role(`glue-${LONG_PIPELINE}`);
    expect(role.length).to.be.at.most(LIMITS.iamRole);
    expect(role).to.match(/^dagspec-team-analytics.*-[0-9a-f]{8}$/);
    expect(role.slice(-8)).to.equal(
      shortHash(["dagspec", LONG_STACK, `glue-${LONG_PIPELINE}`].join("-")),
    );
    expect(long.mwaaEnvironment().length).to.be.at.most(LIMITS.mwaaEnvironment);
    const fn = long.lambdaFunction(LONG_PIPELINE, "f".repeat(63));
    expect(fn.length).to.equal(LIMITS.lambdaFunction);
    expect(fn).to.match(/^[A-Za-z0-9_-]+-[0-9a-f]{8}$/);
    const job = new StackNames({ project: "dagspec", stack: "x".repeat(200) }).glueJob(
      LONG_PIPELINE,
      "t".repeat(63),
    );
    expect(job.length).to.equal(LIMITS.glueJob);
    for (const purpose of BUCKET_PURPOSES) {
      const b = bucketName(long.naming, purpose, "123456789012", "ap-southeast-2");
      expect(b.length, b).to.be.at.most(LIMITS.s3Bucket);
      expect(b).to.match(/^[a-z0-9][a-z0-9-]*[a-z0-9]$/);
    }
  });

  it("keep distinct long names distinct after cutting", () => {
    const long = new StackNames({ project: "dagspec", stack: LONG_STACK });
    expect(long.role(`glue-${LONG_PIPELINE}-a`)).not.to.equal(long.role(`glue-${LONG_PIPELINE}-b`));
  });

  it("add a hash when characters had to be replaced, so Dev and dev differ", () => {
    const upper = bucketName(
      { project: "dagspec", stack: "Dev" },
      "lake",
      "123456789012",
      "eu-west-1",
    );
    expect(upper).to.match(/^dagspec-dev-lake-123456789012-eu-west-1-[0-9a-f]{8}$/);
    expect(upper).not.to.equal(bucketName(dev.naming, "lake", "123456789012", "eu-west-1"));
    expect(new StackNames({ project: "dagspec", stack: "qa.eu" }).glueDatabase("abalone")).to.match(
      /^dagspec_qa_eu_abalone_[0-9a-f]{8}$/,
    );
  });

  it("are the same for the same input", () => {
    const rule = { max: 10, clean: (s: string) => s, separator: "-", trim: /-+$/ };
    expect(fitName(["abcdef", "ghijkl"], rule)).to.equal(fitName(["abcdef", "ghijkl"], rule));
    expect(fitName(["abcdef", "ghijkl"], rule)).to.have.length(10);
  });

  it("start MWAA environment names with a letter", () => {
    expect(new StackNames({ project: "9lives", stack: "dev" }).mwaaEnvironment()).to.match(
      /^[A-Za-z][0-9A-Za-z_-]*$/,
    );
  });

  it("tag everything with the project and stack, then the user's tags", () => {
    expect(stackTags(dev.naming, { team: "ml" })).to.deep.equal({
      "dagspec:project": "dagspec",
      "dagspec:stack": "dev",
      team: "ml",
    });
  });
});

describe("the SageMaker name prefix", () => {
  const STACKS = [
    "dev",
    "prod",
    "staging",
    "Dev",
    "DEV",
    "dev-2",
    "dev_2",
    "dev.2",
    "dev2",
    "d",
    "qa-eu",
    "qa.eu",
    "qaeu",
    "___",
    "9lives",
    LONG_STACK,
    `${LONG_STACK}-2`,
    ...Array.from({ length: 40 }, (_, i) => `feature-branch-${i}`),
    ...Array.from({ length: 40 }, (_, i) => `team${i}`),
  ];
  const prefixes = STACKS.map((stack) => namePrefix({ project: "dagspec", stack }));

  it("reads ds-<stack>-<hash>, lowercase, at most 16 characters", () => {
    expect(dev.namePrefix()).to.match(/^ds-dev-[0-9a-f]{4}$/);
    for (const p of prefixes) {
      expect(p.length, p).to.be.at.most(LIMITS.namePrefix);
      expect(p, p).to.match(/^ds-[a-z0-9]{1,8}-[0-9a-f]{4}$/);
    }
    expect(namePrefix({ project: "dagspec", stack: LONG_STACK })).to.match(
      /^ds-teamanal-[0-9a-f]{4}$/,
    );
  });

  it("is the same for the same project and stack, and differs for another project", () => {
    expect(namePrefix({ project: "dagspec", stack: "dev" })).to.equal(dev.namePrefix());
    expect(namePrefix({ project: "other", stack: "dev" })).not.to.equal(dev.namePrefix());
  });

  it("never gives two stacks the same prefix", () => {
    expect(new Set(prefixes).size).to.equal(STACKS.length);
  });

  it("never lets one stack's <prefix>- start another stack's names, so IAM patterns stay apart", () => {
    for (const a of prefixes) {
      for (const b of prefixes) {
        if (a !== b) expect(`${b}-`.startsWith(`${a}-`), `${a} / ${b}`).to.equal(false);
      }
    }
  });

  it("leaves room for SageMaker's 63 characters in per-run names", () => {
    // <prefix>-<15-character task part>-<ts_nodash>, plus the operator's -<13-digit ms> suffix.
    expect(LIMITS.namePrefix + 1 + 15 + 1 + 15 + 14).to.be.at.most(LIMITS.sagemakerName);
  });
});
