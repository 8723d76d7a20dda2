import { expect } from "chai";
import {
  allowAccessLogDelivery,
  bucketPolicy,
  glueRolePolicy,
  iamLiteral,
  keyPolicy,
  lakeStatements,
  locationListPrefixes,
  mwaaRolePolicy,
  mwaaTrustPolicy,
  sagemakerRolePolicy,
  sagemakerTrustPolicy,
  type AwsContext,
  type MwaaRoleInputs,
  type PolicyDocument,
  type Statement,
} from "../../infra/policies";

const c: AwsContext = { partition: "aws", region: "eu-west-1", accountId: "123456789012" };
const LAKE = "arn:aws:s3:::lake";
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/k";

const sid = (doc: PolicyDocument, id: string): Statement => {
  const s = doc.Statement.find((x) => x.Sid === id);
  if (!s) throw new Error(`no statement ${id} in ${doc.Statement.map((x) => x.Sid).join(", ")}`);
  return s;
};
const actions = (doc: PolicyDocument) => doc.Statement.flatMap((s) => [s.Action].flat());

const mwaa: MwaaRoleInputs = {
  environmentName: "dagspec-dev",
  sourceBucketArn: "arn:aws:s3:::airflow",
  keyArn: KEY,
  lakeArn: LAKE,
  crawlerNames: ["dagspec-dev-p-survey"],
  jobNames: ["dagspec-dev-p-preprocess"],
  helperLocations: [{ prefix: "abalone/curated/" }],
  variablesPrefix: "/dagspec/dev/variables",
  connectionsPrefix: "/dagspec/dev/connections",
};

describe("policy documents", () => {
  it("write lake paths literally, escaping IAM wildcards and variables", () => {
    expect(iamLiteral("data/*/a?b$c")).to.equal("data/${*}/a${?}b${$}c");
    const [, , objects] = lakeStatements(
      "Lake",
      LAKE,
      [{ prefix: "we*rd/" }, { key: "one/file.csv" }],
      "read",
    );
    expect(objects!.Resource).to.deep.equal([`${LAKE}/we\${*}rd/*`, `${LAKE}/one/file.csv`]);
    expect(objects!.Action).to.deep.equal(["s3:GetObject"]);
  });

  it("let a prefix be listed with and without its slash, and a key as a folder", () => {
    expect(locationListPrefixes([{ prefix: "a/b/" }, { key: "c/d.csv" }])).to.deep.equal([
      "a/b",
      "a/b/*",
      "c/d.csv",
      "c/d.csv/*",
    ]);
  });

  it("grant nothing on the lake for no locations", () => {
    expect(lakeStatements("Lake", LAKE, [], "readwrite")).to.deep.equal([]);
  });

  it("make buckets deny every request without TLS", () => {
    const s = sid(bucketPolicy("arn:aws:s3:::b"), "DenyInsecureTransport");
    expect(s).to.deep.include({ Effect: "Deny", Principal: "*", Action: "s3:*" });
    expect(s.Resource).to.deep.equal(["arn:aws:s3:::b", "arn:aws:s3:::b/*"]);
    expect(s.Condition).to.deep.equal({ Bool: { "aws:SecureTransport": false } });
  });

  it("let only S3 logging for the stack's own buckets write access logs", () => {
    const s = allowAccessLogDelivery("arn:aws:s3:::logs", ["arn:aws:s3:::lake"], "123456789012");
    expect(s.Principal).to.deep.equal({ Service: "logging.s3.amazonaws.com" });
    expect(s.Condition).to.deep.equal({
      StringEquals: { "aws:SourceAccount": "123456789012" },
      ArnLike: { "aws:SourceArn": ["arn:aws:s3:::lake"] },
    });
  });

  it("let CloudWatch Logs use the key for this account's log groups only", () => {
    const s = sid(keyPolicy(c), "CloudWatchLogsOfThisAccount");
    expect(s.Principal).to.deep.equal({ Service: "logs.eu-west-1.amazonaws.com" });
    expect(s.Condition).to.deep.equal({
      ArnLike: {
        "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:*",
      },
    });
  });

  it("trust SageMaker from this account only", () => {
    expect(sagemakerTrustPolicy(c).Statement[0]).to.deep.equal({
      Effect: "Allow",
      Principal: { Service: "sagemaker.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
    });
  });

  it("trust MWAA for this environment of this account only", () => {
    expect(mwaaTrustPolicy(c, "dagspec-dev").Statement[0]!.Condition).to.deep.equal({
      StringEquals: { "aws:SourceAccount": "123456789012" },
      ArnLike: {
        "aws:SourceArn": "arn:aws:airflow:eu-west-1:123456789012:environment/dagspec-dev",
      },
    });
  });

  it("give a Glue role that crawls nothing no catalog writes", () => {
    const base = {
      lakeArn: LAKE,
      locations: [],
      scriptsBucketArn: "arn:aws:s3:::s",
      scriptKeys: ["j.py"],
      databases: ["db"],
      keyArn: KEY,
    };
    expect(actions(glueRolePolicy(c, { ...base, crawls: false }))).not.to.include(
      "glue:CreateTable",
    );
    expect(actions(glueRolePolicy(c, { ...base, crawls: true }))).to.include("glue:CreateTable");
    expect(sid(glueRolePolicy(c, { ...base, crawls: true }), "Catalog").Resource).to.deep.equal([
      "arn:aws:glue:eu-west-1:123456789012:catalog",
      "arn:aws:glue:eu-west-1:123456789012:database/db",
      "arn:aws:glue:eu-west-1:123456789012:table/db/*",
    ]);
  });

  it("give SageMaker no lake access beyond its locations and the key through S3 only", () => {
    const doc = sagemakerRolePolicy(c, {
      lakeArn: LAKE,
      locations: [{ prefix: "a/" }],
      keyArn: KEY,
    });
    expect(sid(doc, "LakeObjects").Resource).to.deep.equal([`${LAKE}/a/*`]);
    expect(sid(doc, "StackKeyThroughS3").Condition).to.deep.equal({
      StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" },
    });
  });

  it("give Airflow no SageMaker access and no PassRole while no DAG runs SageMaker", () => {
    const doc = mwaaRolePolicy(c, mwaa);
    expect(
      actions(doc).filter((a) => a.startsWith("sagemaker:") || a === "iam:PassRole"),
    ).to.deep.equal([]);
  });

  it("let Airflow pass only the SageMaker role, only to SageMaker, once a DAG runs SageMaker", () => {
    const roleArn = "arn:aws:iam::123456789012:role/dagspec-dev-sagemaker";
    const doc = mwaaRolePolicy(c, { ...mwaa, sagemaker: { roleArn, namePrefix: "dagspec-dev" } });
    expect(sid(doc, "PassSageMakerRole")).to.deep.equal({
      Sid: "PassSageMakerRole",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: roleArn,
      Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
    });
    expect(sid(doc, "RunSageMaker").Resource).to.include(
      "arn:aws:sagemaker:eu-west-1:123456789012:training-job/dagspec-dev-*",
    );
  });

  it("leave out crawler and job grants when there are no crawlers or jobs", () => {
    const doc = mwaaRolePolicy(c, { ...mwaa, crawlerNames: [], jobNames: [], helperLocations: [] });
    expect(actions(doc).filter((a) => a.startsWith("glue:"))).to.deep.equal([]);
    expect(doc.Statement.map((s) => s.Sid)).not.to.include("HelperDataObjects");
  });
});
