import { expect } from "chai";
import { codeFolders } from "../../infra/code";
import { emptyLakeAccess } from "../../infra/plan";
import {
  allowAccessLogDelivery,
  bucketPolicy,
  airflowLakeStatements,
  glueRolePolicy,
  iamLiteral,
  keyPolicy,
  lakeStatements,
  lambdaRolePolicy,
  lambdaTrustPolicy,
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
  lake: { ...emptyLakeAccess(), readWrite: [{ prefix: "abalone/curated/" }] },
  functionNames: [],
  topicNames: [],
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

  const sagemakerInputs = {
    lakeArn: LAKE,
    locations: [{ prefix: "a/" }],
    codeFolders: ["_dagspec/code/ml-scripts/"],
    repositories: [
      { account: "141502667606", region: "eu-west-1", repository: "sagemaker-xgboost" },
    ],
    namePrefix: "ds-dev-1234",
    keyArn: KEY,
  };

  it("give SageMaker no lake access beyond its locations and the key through S3 only", () => {
    const doc = sagemakerRolePolicy(c, sagemakerInputs);
    expect(sid(doc, "LakeObjects").Resource).to.deep.equal([`${LAKE}/a/*`]);
    expect(sid(doc, "StackKeyThroughS3").Condition).to.deep.equal({
      StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" },
    });
  });

  it("let SageMaker copy code from each script folder, once, a folder inside another in it", () => {
    expect(codeFolders(["ml-scripts/a.py", "ml-scripts/pkg/b.py", "tools/c.py"])).to.deep.equal([
      "_dagspec/code/ml-scripts/",
      "_dagspec/code/tools/",
    ]);
  });

  it("let SageMaker list and read the uploaded code folders, and never write them", () => {
    const doc = sagemakerRolePolicy(c, sagemakerInputs);
    expect(sid(doc, "CodeObjects")).to.deep.include({
      Action: ["s3:GetObject"],
      Resource: [`${LAKE}/_dagspec/code/ml-scripts/*`],
    });
    expect(sid(doc, "CodeList").Condition).to.deep.equal({
      StringLike: { "s3:prefix": ["_dagspec/code/ml-scripts", "_dagspec/code/ml-scripts/*"] },
    });
    expect(sid(doc, "LakeObjects").Resource).not.to.include(`${LAKE}/_dagspec/code/*`);
  });

  it("let SageMaker pull from the named repositories only, and log to its own groups", () => {
    const doc = sagemakerRolePolicy(c, sagemakerInputs);
    expect(sid(doc, "EcrPull").Resource).to.deep.equal([
      "arn:aws:ecr:eu-west-1:141502667606:repository/sagemaker-xgboost",
    ]);
    expect(sid(doc, "EcrToken").Resource).to.equal("*");
    expect(sid(doc, "Logs").Resource).to.include(
      "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/sagemaker/Endpoints/ds-dev-1234-*",
    );
    const none = sagemakerRolePolicy(c, { ...sagemakerInputs, repositories: [] });
    expect(actions(none).filter((a) => a.startsWith("ecr:"))).to.deep.equal([]);
  });

  it("give a Lambda function its own log group, its pipeline's datasets and the key via S3", () => {
    const doc = lambdaRolePolicy(c, {
      logGroup: "/aws/lambda/f",
      lakeArn: LAKE,
      locations: [{ prefix: "iris/landing/" }],
      keyArn: KEY,
    });
    expect(sid(doc, "Logs")).to.deep.include({
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/f:*",
    });
    expect(sid(doc, "LakeObjects").Resource).to.deep.equal([`${LAKE}/iris/landing/*`]);
    expect(sid(doc, "StackKeyThroughS3").Resource).to.equal(KEY);
    expect(lambdaTrustPolicy().Statement[0]!.Principal).to.deep.equal({
      Service: "lambda.amazonaws.com",
    });
  });

  it("let Airflow invoke exactly the stack's functions and publish to exactly its topics", () => {
    const doc = mwaaRolePolicy(c, { ...mwaa, functionNames: ["f"], topicNames: ["t"] });
    expect(sid(doc, "InvokeFunctions")).to.deep.include({
      Action: "lambda:InvokeFunction",
      Resource: ["arn:aws:lambda:eu-west-1:123456789012:function:f"],
    });
    expect(sid(doc, "PublishToTopics")).to.deep.include({
      Action: "sns:Publish",
      Resource: ["arn:aws:sns:eu-west-1:123456789012:t"],
    });
    expect(sid(doc, "StackKeyThroughSns")).to.deep.include({
      Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
      Resource: KEY,
      Condition: { StringEquals: { "kms:ViaService": "sns.eu-west-1.amazonaws.com" } },
    });
    const none = mwaaRolePolicy(c, mwaa);
    expect(actions(none).filter((a) => /^(lambda|sns):/.test(a))).to.deep.equal([]);
    expect(none.Statement.map((s) => s.Sid)).not.to.include("StackKeyThroughSns");
  });

  it("give Airflow reads, prefix listings and the bucket check the lake access asks for", () => {
    const statements = airflowLakeStatements(LAKE, {
      readWrite: [],
      read: [{ prefix: "e/" }],
      list: [{ prefix: "n/" }],
      listFolders: ["a/"],
      headBucket: true,
    });
    const by = (id: string) => statements.find((s) => s.Sid === id)!;
    expect(statements.map((s) => s.Sid)).to.deep.equal([
      "LakeReads",
      "LakeListing",
      "LakeFolderListing",
      "LakeBucketCheck",
    ]);
    expect(by("LakeReads")).to.deep.include({ Action: "s3:GetObject", Resource: [`${LAKE}/e/*`] });
    expect(by("LakeListing").Condition).to.deep.equal({
      StringLike: { "s3:prefix": ["n", "n/*"] },
    });
    expect(by("LakeFolderListing").Condition).to.deep.equal({
      StringEquals: { "s3:prefix": ["a/"], "s3:delimiter": "/" },
    });
    expect(by("LakeBucketCheck")).to.deep.include({
      Action: "s3:ListBucket",
      Resource: LAKE,
      Condition: { Null: { "s3:prefix": "true" } },
    });
    expect(airflowLakeStatements(LAKE, emptyLakeAccess())).to.deep.equal([]);
  });

  it("give Airflow no SageMaker access and no PassRole while no DAG runs SageMaker", () => {
    const doc = mwaaRolePolicy(c, mwaa);
    expect(
      actions(doc).filter((a) => a.startsWith("sagemaker:") || a === "iam:PassRole"),
    ).to.deep.equal([]);
  });

  it("let Airflow pass only the SageMaker role, only to SageMaker, once a DAG runs SageMaker", () => {
    const roleArn = "arn:aws:iam::123456789012:role/dagspec-dev-sagemaker";
    const doc = mwaaRolePolicy(c, {
      ...mwaa,
      sagemaker: { roleArn, namePrefix: "ds-dev-1234", endpoints: [], modelPackageGroups: [] },
    });
    expect(sid(doc, "PassSageMakerRole")).to.deep.equal({
      Sid: "PassSageMakerRole",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: roleArn,
      Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
    });
    expect(sid(doc, "RunSageMaker").Resource).to.include(
      "arn:aws:sagemaker:eu-west-1:123456789012:training-job/ds-dev-1234-*",
    );
    // No endpoints or package groups in the manifest: no grants for them.
    expect(doc.Statement.map((s) => s.Sid)).not.to.include.members([
      "DeployEndpoints",
      "RegisterModels",
    ]);
  });

  it("let Airflow deploy exactly the manifest's endpoints and register in exactly its groups", () => {
    const doc = mwaaRolePolicy(c, {
      ...mwaa,
      sagemaker: {
        roleArn: "arn:aws:iam::123456789012:role/r",
        namePrefix: "ds-dev-1234",
        endpoints: ["ds-dev-1234-abalone"],
        modelPackageGroups: ["ds-dev-1234-abalone"],
      },
    });
    const sm = "arn:aws:sagemaker:eu-west-1:123456789012";
    expect(sid(doc, "DeployEndpoints").Resource).to.deep.equal([
      `${sm}:endpoint/ds-dev-1234-abalone`,
    ]);
    expect(sid(doc, "RegisterModels").Resource).to.deep.equal([
      `${sm}:model-package-group/ds-dev-1234-abalone`,
      `${sm}:model-package/ds-dev-1234-abalone/*`,
    ]);
    expect(actions(doc)).not.to.include("sagemaker:*");
  });

  it("leave out crawler and job grants when there are no crawlers or jobs", () => {
    const doc = mwaaRolePolicy(c, {
      ...mwaa,
      crawlerNames: [],
      jobNames: [],
      lake: emptyLakeAccess(),
    });
    expect(actions(doc).filter((a) => a.startsWith("glue:"))).to.deep.equal([]);
    expect(doc.Statement.map((s) => s.Sid)).not.to.include("HelperDataObjects");
  });
});
