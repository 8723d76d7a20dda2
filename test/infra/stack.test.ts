// The whole stack under Pulumi's mocks, built from the repository's example specs.

import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { runtimeSource } from "../../cli/paths";
import { compileProject } from "../../compiler/compile";
import { diskProject } from "../../compiler/project";
import { CODE_PREFIX } from "../../compiler/variables";
import { lambdaHandler } from "../../infra/lambda";
import { ENVIRONMENT_ENDPOINTS } from "../../infra/mwaa-network";
import { StackNames } from "../../infra/naming";
import { locationListPrefixes, locationObjectArns } from "../../infra/policies";
import { ROOT } from "../helpers";
import {
  ACCOUNT,
  BASE_CONFIG,
  INVOKES,
  json,
  ofType,
  one,
  REGION,
  runStack,
  type Recorded,
  type StackRun,
} from "./mocks";
import { copyProject, editFile, recompile, removeProject } from "./project";

interface Doc {
  Statement: {
    Sid?: string;
    Effect: string;
    Action: string | string[];
    Resource: string | string[];
    Principal?: unknown;
    Condition?: Record<string, Record<string, unknown>>;
  }[];
}

const LAKE = `dagspec-dev-lake-${ACCOUNT}-${REGION}`;
const LOGS = `dagspec-dev-logs-${ACCOUNT}-${REGION}`;
const AIRFLOW = `dagspec-dev-airflow-${ACCOUNT}-${REGION}`;
const SCRIPTS = `dagspec-dev-scripts-${ACCOUNT}-${REGION}`;
const S = (type: string) => `aws:s3/${type}`;
const list = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

const forBucket = (run: StackRun, type: string, bucket: string) =>
  one(run, S(type), (r) => r.inputs["bucket"] === bucket);
const statement = (doc: Doc, sid: string) => {
  const s = doc.Statement.find((x) => x.Sid === sid);
  if (!s) throw new Error(`no statement ${sid}`);
  return s;
};
const rolePolicy = (run: StackRun, name: string) =>
  json<Doc>(one(run, "aws:iam/rolePolicy:RolePolicy", (r) => r.name === name).inputs["policy"]);
const object = (run: StackRun, key: string) =>
  one(run, S("bucketObjectv2:BucketObjectv2"), (r) => r.inputs["key"] === key);
const environment = (run: StackRun) => one(run, "aws:mwaa/environment:Environment");

// What the stack is built from: the repository's specs, compiled as the program compiles them.
const compiled = compileProject(diskProject(ROOT), { target: "2.10", runtime: runtimeSource() });
const { manifest } = compiled;
const names = new StackNames({ project: "dagspec", stack: "dev" });
const PIPELINE = "abalone-retrain";
const locationsOf = (pipeline: string) =>
  manifest.datasets.filter((d) => d.pipeline === pipeline).map((d) => d.location);
const PREFIX = names.namePrefix();
const SM = `arn:aws:sagemaker:${REGION}:${ACCOUNT}`;
const pipelinesRunningSageMaker = [
  ...new Set(
    [...manifest.sagemakerNames, ...manifest.endpoints, ...manifest.modelPackageGroups].map(
      (r) => r.pipeline,
    ),
  ),
].sort();

describe("the stack, built from the example specs", function () {
  let run: StackRun;
  let key: Recorded;

  before(async () => {
    run = await runStack(ROOT);
    key = one(run, "aws:kms/key:Key");
  });

  describe("the data lake", () => {
    it("is a bucket named for the project, stack, account and region", () => {
      expect(run.outputs.buckets.lake).to.equal(LAKE);
      one(run, S("bucket:Bucket"), (r) => r.inputs["bucket"] === LAKE);
    });

    it("blocks all four kinds of public access", () => {
      expect(
        forBucket(run, "bucketPublicAccessBlock:BucketPublicAccessBlock", LAKE).inputs,
      ).to.deep.include({
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
    });

    it("is versioned", () => {
      expect(
        forBucket(run, "bucketVersioning:BucketVersioning", LAKE).inputs["versioningConfiguration"],
      ).to.deep.equal({ status: "Enabled" });
    });

    it("is encrypted with the stack's customer key, which rotates", () => {
      expect(
        forBucket(
          run,
          "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
          LAKE,
        ).inputs["rules"],
      ).to.deep.equal([
        {
          applyServerSideEncryptionByDefault: {
            sseAlgorithm: "aws:kms",
            kmsMasterKeyId: key.state["arn"],
          },
          bucketKeyEnabled: true,
        },
      ]);
      expect(key.inputs["enableKeyRotation"]).to.equal(true);
    });

    it("denies requests without TLS", () => {
      const deny = statement(
        json<Doc>(forBucket(run, "bucketPolicy:BucketPolicy", LAKE).inputs["policy"]),
        "DenyInsecureTransport",
      );
      expect(deny).to.deep.include({ Effect: "Deny", Principal: "*", Action: "s3:*" });
      expect(deny.Resource).to.deep.equal([`arn:aws:s3:::${LAKE}`, `arn:aws:s3:::${LAKE}/*`]);
      expect(deny.Condition).to.deep.equal({ Bool: { "aws:SecureTransport": false } });
    });

    it("expires noncurrent versions after the configured days", async () => {
      const rules = forBucket(
        run,
        "bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        LAKE,
      ).inputs["rules"] as Record<string, unknown>[];
      expect(rules).to.deep.equal([
        {
          id: "expire-noncurrent-versions",
          status: "Enabled",
          filter: {},
          noncurrentVersionExpiration: { noncurrentDays: 90 },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
      ]);
      const short = await runStack(ROOT, { ...BASE_CONFIG, "dagspec:noncurrentVersionDays": "30" });
      const shortRules = forBucket(
        short,
        "bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        LAKE,
      ).inputs["rules"] as Record<string, unknown>[];
      expect(shortRules[0]!["noncurrentVersionExpiration"]).to.deep.equal({ noncurrentDays: 30 });
    });

    it("logs server access to a separate bucket", () => {
      expect(forBucket(run, "bucketLogging:BucketLogging", LAKE).inputs).to.deep.include({
        targetBucket: LOGS,
        targetPrefix: "lake/",
      });
    });

    it("is protected from deletion and kept, settings and key included, when the stack is destroyed", () => {
      const lake = one(run, S("bucket:Bucket"), (r) => r.inputs["bucket"] === LAKE);
      expect([lake.protect, lake.retainOnDelete, lake.inputs["forceDestroy"]]).to.deep.equal([
        true,
        true,
        false,
      ]);
      const settings = run.resources.filter(
        (r) =>
          r.type.startsWith("aws:s3/bucket") &&
          r.type !== S("bucketObjectv2:BucketObjectv2") &&
          r.inputs["bucket"] === LAKE &&
          r !== lake,
      );
      expect(settings).to.have.length(7);
      for (const r of settings) expect(r.retainOnDelete, r.name).to.equal(true);
      expect([key.protect, key.retainOnDelete]).to.deep.equal([true, true]);
    });

    it("keeps its access logs with it, while the rebuildable buckets go with the stack", () => {
      const bucket = (name: string) =>
        one(run, S("bucket:Bucket"), (r) => r.inputs["bucket"] === name);
      expect([
        bucket(LOGS).protect,
        bucket(LOGS).retainOnDelete,
        bucket(LOGS).inputs["forceDestroy"],
      ]).to.deep.equal([true, true, false]);
      for (const name of [SCRIPTS, AIRFLOW]) {
        expect(
          [bucket(name).protect, bucket(name).retainOnDelete, bucket(name).inputs["forceDestroy"]],
          name,
        ).to.deep.equal([false, false, true]);
      }
    });

    it("can be left unprotected by configuration", async () => {
      const open = await runStack(ROOT, { ...BASE_CONFIG, "dagspec:protectLake": "false" });
      const kept = open.resources.filter((r) => r.protect || r.retainOnDelete);
      expect(kept.map((r) => r.name)).to.deep.equal([]);
      expect(
        one(open, S("bucket:Bucket"), (r) => r.inputs["bucket"] === LAKE).inputs["forceDestroy"],
      ).to.equal(false);
    });

    it("holds no objects the stack put there but the code jobs run: data arrives from outside", () => {
      const keys = ofType(run, S("bucketObjectv2:BucketObjectv2"))
        .filter((r) => r.inputs["bucket"] === LAKE)
        .map((r) => String(r.inputs["key"]));
      expect(keys.filter((k) => !k.startsWith(CODE_PREFIX))).to.deep.equal([]);
    });
  });

  describe("the access log bucket", () => {
    it("is encrypted with SSE-S3, as S3 requires of a log target", () => {
      expect(
        forBucket(
          run,
          "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
          LOGS,
        ).inputs["rules"],
      ).to.deep.equal([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
    });

    it("takes logs only from the stack's own buckets through the S3 logging service", () => {
      const doc = json<Doc>(forBucket(run, "bucketPolicy:BucketPolicy", LOGS).inputs["policy"]);
      const allow = statement(doc, "AllowServerAccessLogs");
      expect(allow.Principal).to.deep.equal({ Service: "logging.s3.amazonaws.com" });
      expect(allow.Condition).to.deep.equal({
        StringEquals: { "aws:SourceAccount": ACCOUNT },
        ArnLike: { "aws:SourceArn": [AIRFLOW, LAKE, SCRIPTS].map((b) => `arn:aws:s3:::${b}`) },
      });
      statement(doc, "DenyInsecureTransport");
    });

    it("expires logs after the log retention", () => {
      const rules = forBucket(
        run,
        "bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        LOGS,
      ).inputs["rules"] as Record<string, unknown>[];
      expect(rules.map((r) => r["expiration"])).to.deep.include({ days: 365 });
    });
  });

  describe("Glue", () => {
    const crawler = () =>
      one(
        run,
        "aws:glue/crawler:Crawler",
        (r) => r.inputs["name"] === "dagspec-dev-abalone-retrain-survey",
      );
    const job = () =>
      one(
        run,
        "aws:glue/job:Job",
        (r) => r.inputs["name"] === "dagspec-dev-abalone-retrain-preprocess",
      );

    it("has one catalog database per manifest database, named for the stack", () => {
      const databases = ofType(run, "aws:glue/catalogDatabase:CatalogDatabase").map(
        (r) => r.inputs["name"],
      );
      expect(databases).to.deep.equal(manifest.databases.map((d) => names.glueDatabase(d.name)));
      expect(databases).to.include("dagspec_dev_abalone");
    });

    it("has one crawler per crawled dataset, and none that the specs do not ask for", () => {
      expect(
        ofType(run, "aws:glue/crawler:Crawler")
          .map((r) => r.inputs["name"])
          .sort(),
      ).to.deep.equal(
        manifest.crawlers.map((c) => names.glueCrawler(c.pipeline, c.dataset)).sort(),
      );
    });

    it("crawls the dataset's lake prefix into the stack's database, run by Airflow only", () => {
      expect(crawler().inputs).to.deep.include({
        databaseName: "dagspec_dev_abalone",
        role: `arn:aws:iam::${ACCOUNT}:role/dagspec-dev-glue-abalone-retrain`,
        securityConfiguration: "dagspec-dev-glue",
      });
      expect(crawler().inputs["s3Targets"]).to.deep.equal([{ path: `s3://${LAKE}/abalone/new/` }]);
      expect(crawler().inputs["schemaChangePolicy"]).to.deep.equal({
        updateBehavior: "UPDATE_IN_DATABASE",
        deleteBehavior: "DEPRECATE_IN_DATABASE",
      });
      expect(crawler().inputs["recrawlPolicy"]).to.deep.equal({
        recrawlBehavior: "CRAWL_EVERYTHING",
      });
      expect(crawler().inputs).not.to.have.property("schedule");
    });

    it("has one job per glue.job task, and none that the specs do not ask for", () => {
      expect(
        ofType(run, "aws:glue/job:Job")
          .map((r) => r.inputs["name"])
          .sort(),
      ).to.deep.equal(manifest.glueJobs.map((j) => names.glueJob(j.pipeline, j.task)).sort());
    });

    it("gives each job the spec's settings, logging, metrics and bookmarks option", () => {
      expect(job().inputs).to.deep.include({
        glueVersion: "5.0",
        workerType: "G.1X",
        numberOfWorkers: 2,
        timeout: 30,
        maxRetries: 0,
        securityConfiguration: "dagspec-dev-glue",
      });
      expect(job().inputs["command"]).to.deep.equal({
        name: "glueetl",
        pythonVersion: "3",
        scriptLocation: `s3://${SCRIPTS}/glue-jobs/abalone_preprocess.py`,
      });
      expect(job().inputs["defaultArguments"]).to.deep.equal({
        "--job-language": "python",
        "--job-bookmark-option": "job-bookmark-disable",
        "--enable-metrics": "true",
        "--enable-continuous-cloudwatch-log": "true",
        "--continuous-log-logGroup": "/aws-glue/dagspec/dev/abalone_retrain/preprocess",
        "--extra-py-files": `s3://${SCRIPTS}/glue-jobs/dagspec_glue.zip`,
      });
    });

    it("uploads every job script from the project", () => {
      for (const script of new Set(manifest.glueJobs.map((j) => j.script))) {
        const uploaded = object(run, script);
        expect(uploaded.inputs["bucket"]).to.equal(SCRIPTS);
        expect(uploaded.inputs["content"]).to.equal(
          fs.readFileSync(path.join(ROOT, script), "utf8"),
        );
      }
    });

    it("ships the job's package as a zip of its Python files, without the local awsglue shim", () => {
      const zip = object(run, "glue-jobs/dagspec_glue.zip");
      const assets = (zip.inputs["source"] as { assets: Record<string, { text: string }> }).assets;
      const expected = fs
        .readdirSync(path.join(ROOT, "glue-jobs/dagspec_glue"))
        .filter((f) => f.endsWith(".py"))
        .map((f) => `dagspec_glue/${f}`);
      expect(Object.keys(assets).sort()).to.deep.equal(expected.sort());
      expect(assets["dagspec_glue/__init__.py"]!.text).to.equal(
        fs.readFileSync(path.join(ROOT, "glue-jobs/dagspec_glue/__init__.py"), "utf8"),
      );
      const keys = ofType(run, S("bucketObjectv2:BucketObjectv2")).map((r) =>
        String(r.inputs["key"]),
      );
      expect(keys.filter((k) => k.includes("local/") || k.includes("awsglue"))).to.deep.equal([]);
    });

    it("encrypts S3 output, CloudWatch logs and bookmarks with the stack key", () => {
      const keyArn = key.state["arn"];
      expect(
        one(run, "aws:glue/securityConfiguration:SecurityConfiguration").inputs[
          "encryptionConfiguration"
        ],
      ).to.deep.equal({
        s3Encryption: { s3EncryptionMode: "SSE-KMS", kmsKeyArn: keyArn },
        cloudwatchEncryption: { cloudwatchEncryptionMode: "SSE-KMS", kmsKeyArn: keyArn },
        jobBookmarksEncryption: { jobBookmarksEncryptionMode: "CSE-KMS", kmsKeyArn: keyArn },
      });
    });

    it("keeps each job's continuous log for the log retention, encrypted", () => {
      const groups = ofType(run, "aws:cloudwatch/logGroup:LogGroup").filter((r) =>
        String(r.inputs["name"]).startsWith("/aws-glue/"),
      );
      expect(groups).to.have.length(manifest.glueJobs.length);
      for (const g of groups)
        expect(g.inputs).to.deep.include({ retentionInDays: 365, kmsKeyId: key.state["arn"] });
    });

    it("runs as a pipeline role limited to that pipeline's dataset prefixes", () => {
      const doc = rolePolicy(run, `glue-${PIPELINE}-policy`);
      const lake = `arn:aws:s3:::${LAKE}`;
      expect(statement(doc, "LakeObjects").Resource).to.deep.equal(
        locationObjectArns(lake, locationsOf(PIPELINE)),
      );
      expect(statement(doc, "LakeObjects").Resource).to.include.members([
        `${lake}/abalone/new/*`,
        `${lake}/abalone/raw/abalone.data`,
        `${lake}/abalone/curated/*`,
      ]);
      expect(statement(doc, "LakeList").Condition).to.deep.equal({
        StringLike: { "s3:prefix": locationListPrefixes(locationsOf(PIPELINE)) },
      });
    });

    it("lets the pipeline role use the catalog of its own databases only, its logs and the key", () => {
      const doc = rolePolicy(run, `glue-${PIPELINE}-policy`);
      const glue = `arn:aws:glue:${REGION}:${ACCOUNT}`;
      expect(statement(doc, "Catalog").Resource).to.deep.equal([
        `${glue}:catalog`,
        `${glue}:database/dagspec_dev_abalone`,
        `${glue}:table/dagspec_dev_abalone/*`,
      ]);
      expect(statement(doc, "Logs").Resource).to.equal(
        `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws-glue/*`,
      );
      expect(statement(doc, "StackKey").Resource).to.equal(key.state["arn"]);
      expect(statement(doc, "JobScripts").Resource).to.deep.equal([
        `arn:aws:s3:::${SCRIPTS}/glue-jobs/abalone_preprocess.py`,
        `arn:aws:s3:::${SCRIPTS}/glue-jobs/dagspec_glue.zip`,
      ]);
    });

    it("trusts the Glue service only", () => {
      const role = one(run, "aws:iam/role:Role", (r) => r.name === `glue-${PIPELINE}-role`);
      expect(json<Doc>(role.inputs["assumeRolePolicy"]).Statement).to.deep.equal([
        { Effect: "Allow", Principal: { Service: "glue.amazonaws.com" }, Action: "sts:AssumeRole" },
      ]);
    });
  });

  describe("the SageMaker execution role", () => {
    const role = () => one(run, "aws:iam/role:Role", (r) => r.name === "sagemaker-role");

    it("exists even before a spec runs SageMaker, trusted by SageMaker from this account only", () => {
      expect(role().inputs["name"]).to.equal("dagspec-dev-sagemaker");
      expect(json<Doc>(role().inputs["assumeRolePolicy"]).Statement[0]!.Condition).to.deep.equal({
        StringEquals: { "aws:SourceAccount": ACCOUNT },
      });
    });

    it("reads and writes the datasets of the pipelines that run SageMaker, and no others", () => {
      const doc = rolePolicy(run, "sagemaker-policy");
      const lake = `arn:aws:s3:::${LAKE}`;
      const used = new Set(
        manifest.datasets
          .filter((d) => pipelinesRunningSageMaker.includes(d.pipeline))
          .map((d) => JSON.stringify(d.location)),
      );
      expect(pipelinesRunningSageMaker).to.include("iris-training");
      expect(pipelinesRunningSageMaker).not.to.include("batch-recommendations");
      expect(statement(doc, "LakeObjects").Resource).to.have.length(used.size);
      expect(statement(doc, "LakeObjects").Resource).to.include.members([
        `${lake}/abalone/models/*`,
        `${lake}/abalone/endpoint-capture/*`,
        `${lake}/iris/curated/*`,
      ]);
      expect(statement(doc, "LakeObjects").Resource).not.to.include(`${lake}/recsys/mapped/*`);
      expect(statement(doc, "StackKeyThroughS3").Resource).to.equal(key.state["arn"]);
    });

    it("reads the code folders processing jobs copy, under the code prefix, and cannot change them", () => {
      const doc = rolePolicy(run, "sagemaker-policy");
      expect(statement(doc, "CodeObjects")).to.deep.include({
        Action: ["s3:GetObject"],
        Resource: [`arn:aws:s3:::${LAKE}/${CODE_PREFIX}ml-scripts/*`],
      });
      for (const c of manifest.code)
        expect(c.path.startsWith("ml-scripts/"), c.path).to.equal(true);
      const writes = doc.Statement.filter((x) => list(x.Action).includes("s3:PutObject"));
      for (const w of writes)
        expect(
          list(w.Resource).some((r) => r.includes(CODE_PREFIX)),
          w.Sid,
        ).to.equal(false);
    });

    it("pulls only the framework images the specs name, from the runtime's accounts for the region", () => {
      const doc = rolePolicy(run, "sagemaker-policy");
      expect(statement(doc, "EcrPull").Resource).to.deep.equal([
        `arn:aws:ecr:${REGION}:141502667606:repository/sagemaker-scikit-learn`,
        `arn:aws:ecr:${REGION}:141502667606:repository/sagemaker-xgboost`,
      ]);
      expect(statement(doc, "EcrToken")).to.deep.include({
        Action: "ecr:GetAuthorizationToken",
        Resource: "*",
      });
    });

    it("logs to SageMaker's job groups and its own endpoints' groups only", () => {
      const logs = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/sagemaker`;
      expect(statement(rolePolicy(run, "sagemaker-policy"), "Logs").Resource).to.deep.equal([
        `${logs}/TrainingJobs`,
        `${logs}/TrainingJobs:*`,
        `${logs}/ProcessingJobs`,
        `${logs}/ProcessingJobs:*`,
        `${logs}/TransformJobs`,
        `${logs}/TransformJobs:*`,
        `${logs}/Endpoints/${PREFIX}-*`,
      ]);
    });

    it("has no managed policy attached", () => {
      expect(role().inputs).not.to.have.property("managedPolicyArns");
      expect(ofType(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")).to.deep.equal([]);
    });
  });

  describe("the code SageMaker jobs run", () => {
    const codeObjects = () =>
      ofType(run, S("bucketObjectv2:BucketObjectv2")).filter((r) =>
        String(r.inputs["key"]).startsWith(CODE_PREFIX),
      );

    it("is one lake object per code path, keyed by the code prefix and the path", () => {
      expect(manifest.code.map((c) => c.path)).to.include("ml-scripts/evaluate_regression.py");
      expect(codeObjects().map((r) => r.inputs["key"])).to.deep.equal(
        manifest.code.map((c) => `${CODE_PREFIX}${c.path}`),
      );
      expect(
        object(run, "_dagspec/code/ml-scripts/evaluate_regression.py").inputs["bucket"],
      ).to.equal(LAKE);
    });

    it("holds the project file's text, encrypted with the stack key like the rest of the lake", () => {
      for (const c of manifest.code) {
        const o = object(run, `${CODE_PREFIX}${c.path}`);
        expect(o.inputs["content"], c.path).to.equal(
          fs.readFileSync(path.join(ROOT, c.path), "utf8"),
        );
        expect(o.inputs, c.path).to.deep.include({
          serverSideEncryption: "aws:kms",
          kmsKeyId: key.state["arn"],
          contentType: "text/x-python",
        });
      }
    });

    it("is under the folder the DAGs point their processing jobs' code inputs at", () => {
      for (const c of manifest.code) {
        const uri = `s3://{{ var.value.lake_bucket }}/${CODE_PREFIX}${path.posix.dirname(c.path)}/"`;
        expect(
          [...compiled.dags.values()].some((d) => d.includes(uri)),
          c.path,
        ).to.equal(true);
      }
    });

    it("is put after the lake's policy and public access block", () => {
      const lakePolicy = one(
        run,
        S("bucketPolicy:BucketPolicy"),
        (r) => r.inputs["bucket"] === LAKE,
      );
      for (const o of codeObjects())
        expect(
          o.dependsOn.some((u) => u.endsWith(`::${lakePolicy.name}`)),
          o.name,
        ).to.equal(true);
    });
  });

  describe("the Lambda functions", () => {
    const fn = () => one(run, "aws:lambda/function:Function");
    const spec = () => manifest.functions[0]!;

    it("are one function per manifest entry, named for the stack within Lambda's 64 characters", () => {
      expect(
        ofType(run, "aws:lambda/function:Function").map((r) => r.inputs["name"]),
      ).to.deep.equal(manifest.functions.map((f) => names.lambdaFunction(f.pipeline, f.name)));
      expect(String(fn().inputs["name"]).length).to.be.at.most(64);
    });

    it("run the spec's handler file alone, with its handler, runtime, timeout and memory", () => {
      const f = spec();
      expect(fn().inputs).to.deep.include({
        handler: "ingest_iris.handler",
        runtime: f.runtime,
        timeout: f.timeoutSeconds,
        memorySize: f.memoryMb,
      });
      expect(lambdaHandler(f)).to.equal("ingest_iris.handler");
      expect([f.runtime, f.timeoutSeconds, f.memoryMb]).to.deep.equal(["python3.11", 60, 256]);
      const code = fn().inputs["code"] as {
        kind: string;
        assets: Record<string, { text: string }>;
      };
      expect(code.kind).to.equal("archive");
      expect(Object.keys(code.assets)).to.deep.equal(["ingest_iris.py"]);
      expect(code.assets["ingest_iris.py"]!.text).to.equal(
        fs.readFileSync(path.join(ROOT, f.source), "utf8"),
      );
    });

    it("log to their own group, kept for the log retention and encrypted with the stack key", () => {
      const group = one(
        run,
        "aws:cloudwatch/logGroup:LogGroup",
        (r) => r.inputs["name"] === "/aws/lambda/dagspec-dev-iris-training-ingest_iris",
      );
      expect(group.inputs).to.deep.include({ retentionInDays: 365, kmsKeyId: key.state["arn"] });
      expect(fn().inputs["loggingConfig"]).to.deep.equal({
        logFormat: "Text",
        logGroup: group.inputs["name"],
      });
      expect(fn().dependsOn.some((u) => u.endsWith(`::${group.name}`))).to.equal(true);
    });

    it("run as their own role, trusted by Lambda, with no managed policy", () => {
      const role = one(
        run,
        "aws:iam/role:Role",
        (r) => r.inputs["name"] === "dagspec-dev-lambda-iris-training-ingest_iris",
      );
      expect(fn().inputs["role"]).to.equal(role.state["arn"]);
      expect(json<Doc>(role.inputs["assumeRolePolicy"]).Statement).to.deep.equal([
        {
          Effect: "Allow",
          Principal: { Service: "lambda.amazonaws.com" },
          Action: "sts:AssumeRole",
        },
      ]);
      const roles = ofType(run, "aws:lambda/function:Function").map((r) => r.inputs["role"]);
      expect(new Set(roles).size).to.equal(roles.length);
      expect(role.inputs).not.to.have.property("managedPolicyArns");
    });

    it("may write their own logs, use their pipeline's datasets and the key through S3, nothing else", () => {
      const doc = rolePolicy(run, "lambda-iris-training-ingest_iris-policy");
      expect(doc.Statement.map((x) => x.Sid)).to.deep.equal([
        "Logs",
        "LakeLocation",
        "LakeList",
        "LakeObjects",
        "StackKeyThroughS3",
      ]);
      expect(statement(doc, "Logs")).to.deep.include({
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/dagspec-dev-iris-training-ingest_iris:*`,
      });
      expect(statement(doc, "LakeObjects").Resource).to.deep.equal(
        locationObjectArns(`arn:aws:s3:::${LAKE}`, locationsOf("iris-training")),
      );
      expect(statement(doc, "StackKeyThroughS3").Resource).to.equal(key.state["arn"]);
    });
  });

  describe("the SNS topics", () => {
    it("are one topic per topic a spec declares, named for the stack and pipeline", () => {
      expect(
        ofType(run, "aws:sns/topic:Topic")
          .map((r) => r.inputs["name"])
          .sort(),
      ).to.deep.equal(manifest.topics.map((t) => names.snsTopic(t.pipeline, t.name)).sort());
      expect(manifest.topics).to.have.length(3);
    });

    it("are each encrypted with the stack's customer key", () => {
      for (const t of ofType(run, "aws:sns/topic:Topic"))
        expect(t.inputs["kmsMasterKeyId"], t.name).to.equal(key.state["arn"]);
    });
  });

  describe("the MWAA network", () => {
    const vpc = () => one(run, "awsx:ec2:Vpc");

    it("is an awsx VPC with two private subnets in two zones, public subnets for one NAT gateway", () => {
      expect(vpc().custom).to.equal(false);
      expect(vpc().inputs).to.deep.include({
        numberOfAvailabilityZones: 2,
        subnetStrategy: "Auto",
        enableDnsHostnames: true,
        enableDnsSupport: true,
      });
      expect(vpc().inputs["subnetSpecs"]).to.deep.equal([{ type: "Private" }, { type: "Public" }]);
      expect(vpc().inputs["natGateways"]).to.deep.equal({ strategy: "Single" });
    });

    const privateSubnets = (r: StackRun) =>
      ofType(r, "aws:ec2/subnet:Subnet").filter(
        (x) => (x.inputs["tags"] as Record<string, string>)["SubnetType"] === "Private",
      );
    /** The route tables awsx associates with the given subnets. */
    const tablesOf = (r: StackRun, subnets: Recorded[]) =>
      ofType(r, "aws:ec2/routeTableAssociation:RouteTableAssociation")
        .filter((a) => subnets.some((x) => x.id === a.inputs["subnetId"]))
        .map((a) => String(a.inputs["routeTableId"]))
        .sort();
    const s3Endpoint = (r: StackRun) =>
      one(r, "aws:ec2/vpcEndpoint:VpcEndpoint", (e) =>
        String(e.inputs["serviceName"]).endsWith(".s3"),
      );

    it("routes S3 from both private subnets through a gateway endpoint, not the NAT gateway", () => {
      const endpoint = s3Endpoint(run);
      expect(endpoint.inputs).to.deep.include({
        serviceName: `com.amazonaws.${REGION}.s3`,
        vpcEndpointType: "Gateway",
        vpcId: vpc().state["vpcId"],
      });
      const tables = tablesOf(run, privateSubnets(run));
      expect(tables).to.have.length(2);
      expect(endpoint.inputs["routeTableIds"]).to.deep.equal(tables);
      // The public subnets hold only the NAT gateway, which needs no S3.
      const publicSubnets = ofType(run, "aws:ec2/subnet:Subnet").filter(
        (x) => !privateSubnets(run).includes(x),
      );
      expect(publicSubnets).to.have.length(2);
      for (const t of tablesOf(run, publicSubnets))
        expect(endpoint.inputs["routeTableIds"]).not.to.include(t);
      // awsx is given no endpoint of its own: a second S3 gateway on a table would conflict.
      expect(vpc().inputs["vpcEndpointSpecs"]).to.equal(undefined);
    });

    it("puts the environment in the two private subnets", () => {
      expect(
        (environment(run).inputs["networkConfiguration"] as { subnetIds: string[] }).subnetIds,
      ).to.deep.equal(vpc().state["privateSubnetIds"]);
      expect(privateSubnets(run).map((x) => x.id)).to.have.members(
        vpc().state["privateSubnetIds"] as string[],
      );
    });

    it("logs all the VPC's traffic to a group kept for the log retention, encrypted with the stack key", async () => {
      const check = (r: StackRun, days: number) => {
        const flowLog = one(r, "aws:ec2/flowLog:FlowLog");
        const group = one(r, "aws:cloudwatch/logGroup:LogGroup", (g) =>
          String(g.inputs["name"]).endsWith("vpc-flow-logs"),
        );
        expect(flowLog.inputs).to.deep.include({
          vpcId: one(r, "aws:ec2/vpc:Vpc").id,
          trafficType: "ALL",
          logDestinationType: "cloud-watch-logs",
          logDestination: group.state["arn"],
        });
        expect(group.inputs).to.deep.include({
          name: "/dagspec/dev/vpc-flow-logs",
          retentionInDays: days,
          kmsKeyId: one(r, "aws:kms/key:Key").state["arn"],
        });
      };
      check(run, 365);
      check(await runStack(ROOT, { ...BASE_CONFIG, "dagspec:logRetentionDays": "30" }), 30);
    });

    it("writes flow logs as a role only this account's flow logs assume, limited to their group", () => {
      const flowLog = one(run, "aws:ec2/flowLog:FlowLog");
      const role = one(
        run,
        "aws:iam/role:Role",
        (r) => r.state["arn"] === flowLog.inputs["iamRoleArn"],
      );
      expect(json<Doc>(role.inputs["assumeRolePolicy"]).Statement).to.deep.equal([
        {
          Effect: "Allow",
          Principal: { Service: "vpc-flow-logs.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:SourceAccount": ACCOUNT },
            ArnLike: { "aws:SourceArn": `arn:aws:ec2:${REGION}:${ACCOUNT}:vpc-flow-log/*` },
          },
        },
      ]);
      const policy = one(run, "aws:iam/rolePolicy:RolePolicy", (p) => p.inputs["role"] === role.id);
      const group = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/dagspec/dev/vpc-flow-logs`;
      expect(json<Doc>(policy.inputs["policy"]).Statement).to.deep.equal([
        {
          Sid: "FlowLogGroup",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          Resource: `${group}:*`,
        },
        {
          Sid: "DescribeLogGroups",
          Effect: "Allow",
          Action: "logs:DescribeLogGroups",
          Resource: "*",
        },
      ]);
      // CreateFlowLogs checks the role, which must hold its policy by then.
      expect(flowLog.dependsOn.some((u) => u.endsWith(`${policy.type}::${policy.name}`))).to.equal(
        true,
      );
    });

    it("takes every rule off the VPC's default security group", () => {
      const group = one(run, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup");
      expect(group.inputs).to.deep.equal({
        vpcId: one(run, "aws:ec2/vpc:Vpc").id,
        ingress: [],
        egress: [],
      });
    });

    it("has a security group whose members may talk to each other, and nobody else in", () => {
      const sg = one(run, "aws:ec2/securityGroup:SecurityGroup");
      const ingress = one(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
      expect(ingress.inputs).to.deep.include({
        securityGroupId: sg.id,
        referencedSecurityGroupId: sg.id,
        ipProtocol: "-1",
      });
      expect(
        (environment(run).inputs["networkConfiguration"] as { securityGroupIds: string[] })
          .securityGroupIds,
      ).to.deep.equal([sg.id]);
    });

    it("has a NAT gateway per zone with natStrategy onePerAz", async () => {
      const perAz = await runStack(ROOT, { ...BASE_CONFIG, "dagspec:natStrategy": "onePerAz" });
      expect(one(perAz, "awsx:ec2:Vpc").inputs["natGateways"]).to.deep.equal({
        strategy: "OnePerAz",
      });
    });

    const endpointsOf = (r: StackRun) =>
      ofType(r, "aws:ec2/vpcEndpoint:VpcEndpoint").filter(
        (e) => e.inputs["vpcEndpointType"] === "Interface",
      );
    const serviceOf = (e: Recorded) =>
      String(e.inputs["serviceName"]).replace(`com.amazonaws.${REGION}.`, "");

    it("reaches AWS through the S3 gateway and interface endpoints, not the internet, with natStrategy none", async () => {
      const closed = await runStack(ROOT, { ...BASE_CONFIG, "dagspec:natStrategy": "none" });
      const v = one(closed, "awsx:ec2:Vpc");
      expect(v.inputs["natGateways"]).to.deep.equal({ strategy: "None" });
      expect(v.inputs["subnetSpecs"]).to.deep.equal([{ type: "Private" }]);
      expect(ofType(closed, "aws:ec2/natGateway:NatGateway")).to.deep.equal([]);
      expect(ofType(closed, "aws:ec2/route:Route")).to.deep.equal([]);
      // The private subnets' only way to S3, for the lake, DAGs, logs and MWAA's images alike.
      expect(s3Endpoint(closed).inputs["routeTableIds"]).to.deep.equal(
        tablesOf(closed, privateSubnets(closed)),
      );
      // The MWAA User Guide's list for private routing, ssm for the secrets backend, and what
      // the example DAGs call: Glue, SageMaker, Lambda, SNS.
      expect(endpointsOf(closed).map(serviceOf).sort()).to.deep.equal([
        "airflow.api",
        "airflow.env",
        "airflow.ops",
        "ecr.api",
        "ecr.dkr",
        "glue",
        "kms",
        "lambda",
        "logs",
        "monitoring",
        "sagemaker.api",
        "sns",
        "sqs",
        "ssm",
      ]);
      const subnets = v.state["privateSubnetIds"];
      const sg = one(closed, "aws:ec2/securityGroup:SecurityGroup").id;
      for (const e of endpointsOf(closed)) {
        expect(e.inputs, serviceOf(e)).to.deep.include({
          vpcId: v.state["vpcId"],
          privateDnsEnabled: true,
          subnetIds: subnets,
          securityGroupIds: [sg],
        });
      }
      expect(object(closed, "requirements.txt").inputs["content"]).not.to.match(/^-c /m);
    });

    it("creates no interface endpoint while there is a NAT gateway", () => {
      expect(endpointsOf(run)).to.deep.equal([]);
    });

    it("pays for no endpoint of a service the DAGs do not call, with natStrategy none", async () => {
      // Only batch-recommendations: a Glue job and a python helper, no failure notification.
      const root = copyProject();
      try {
        for (const f of fs.readdirSync(path.join(root, "dags-src"))) {
          if (
            f.endsWith(".yaml") &&
            !["batch-recommendations.yaml", "dagspec.config.yaml"].includes(f)
          )
            fs.rmSync(path.join(root, "dags-src", f));
        }
        recompile(root);
        const glueOnly = await runStack(root, { ...BASE_CONFIG, "dagspec:natStrategy": "none" });
        const forDags = endpointsOf(glueOnly)
          .map(serviceOf)
          .filter((x) => !(ENVIRONMENT_ENDPOINTS as readonly string[]).includes(x));
        expect(forDags).to.deep.equal(["glue"]);
      } finally {
        removeProject(root);
      }
    });
  });

  describe("the MWAA environment", () => {
    it("runs the configured Airflow version, class, workers and schedulers", () => {
      expect(environment(run).inputs).to.deep.include({
        name: "dagspec-dev",
        airflowVersion: "2.10.3",
        environmentClass: "mw1.small",
        minWorkers: 1,
        maxWorkers: 5,
        schedulers: 2,
        weeklyMaintenanceWindowStart: "SUN:03:00",
        webserverAccessMode: "PRIVATE_ONLY",
        kmsKey: key.state["arn"],
        dagS3Path: "dags",
        requirementsS3Path: "requirements.txt",
      });
    });

    it("reads its DAGs from a separate, private, versioned, encrypted source bucket", () => {
      expect(environment(run).inputs["sourceBucketArn"]).to.equal(`arn:aws:s3:::${AIRFLOW}`);
      expect(
        forBucket(run, "bucketVersioning:BucketVersioning", AIRFLOW).inputs[
          "versioningConfiguration"
        ],
      ).to.deep.equal({ status: "Enabled" });
      expect(
        forBucket(run, "bucketPublicAccessBlock:BucketPublicAccessBlock", AIRFLOW).inputs[
          "restrictPublicBuckets"
        ],
      ).to.equal(true);
    });

    it("gets one object per file of generated-dags/, keyed by its path", () => {
      const dags = ofType(run, S("bucketObjectv2:BucketObjectv2")).filter((r) =>
        String(r.inputs["key"]).startsWith("dags/"),
      );
      const files: string[] = [];
      const walk = (rel: string) => {
        for (const e of fs.readdirSync(path.join(ROOT, "generated-dags", rel), {
          withFileTypes: true,
        })) {
          if (e.name === "__pycache__") continue;
          if (e.isDirectory()) walk(path.posix.join(rel, e.name));
          else files.push(path.posix.join(rel, e.name));
        }
      };
      walk("");
      expect(dags.map((r) => r.inputs["key"]).sort()).to.deep.equal(
        files.map((f) => `dags/${f}`).sort(),
      );
      for (const f of files) {
        expect(object(run, `dags/${f}`).inputs["content"], f).to.equal(
          fs.readFileSync(path.join(ROOT, "generated-dags", f), "utf8"),
        );
      }
      expect(object(run, "dags/abalone_retrain.py").inputs["bucket"]).to.equal(AIRFLOW);
    });

    it("uploads the DAGs it compiles, which equal the committed folder", () => {
      for (const [file, text] of compiled.dags)
        expect(object(run, `dags/${file}`).inputs["content"]).to.equal(text);
    });

    it("installs requirements.txt by object version, with Airflow's constraints", () => {
      const requirements = object(run, "requirements.txt");
      expect(environment(run).inputs["requirementsS3ObjectVersion"]).to.equal(
        requirements.state["versionId"],
      );
      expect(requirements.inputs["content"]).to.include(
        "-c https://raw.githubusercontent.com/apache/airflow/constraints-2.10.3/constraints-3.11.txt",
      );
    });

    it("sends all five log types at INFO to log groups it keeps for the retention, encrypted", () => {
      const logging = environment(run).inputs["loggingConfiguration"] as Record<string, unknown>;
      expect(Object.keys(logging).sort()).to.deep.equal([
        "dagProcessingLogs",
        "schedulerLogs",
        "taskLogs",
        "webserverLogs",
        "workerLogs",
      ]);
      for (const v of Object.values(logging))
        expect(v).to.deep.equal({ enabled: true, logLevel: "INFO" });
      const groups = ofType(run, "aws:cloudwatch/logGroup:LogGroup").filter((r) =>
        String(r.inputs["name"]).startsWith("airflow-"),
      );
      expect(groups.map((g) => g.inputs["name"]).sort()).to.deep.equal(
        ["DAGProcessing", "Scheduler", "Task", "WebServer", "Worker"].map(
          (t) => `airflow-dagspec-dev-${t}`,
        ),
      );
      for (const g of groups)
        expect(g.inputs).to.deep.include({ retentionInDays: 365, kmsKeyId: key.state["arn"] });
    });

    it("reads Airflow Variables and connections from the stack's SSM prefix", () => {
      const options = environment(run).inputs["airflowConfigurationOptions"] as Record<
        string,
        string
      >;
      expect(options["secrets.backend"]).to.equal(
        "airflow.providers.amazon.aws.secrets.systems_manager.SystemsManagerParameterStoreBackend",
      );
      expect(JSON.parse(options["secrets.backend_kwargs"]!)).to.deep.equal({
        connections_prefix: "/dagspec/dev/connections",
        variables_prefix: "/dagspec/dev/variables",
      });
    });

    it("can serve a public Airflow UI when configured", async () => {
      const open = await runStack(ROOT, {
        ...BASE_CONFIG,
        "dagspec:webserverAccessMode": "PUBLIC_ONLY",
      });
      expect(environment(open).inputs["webserverAccessMode"]).to.equal("PUBLIC_ONLY");
    });

    it("uses an existing KMS key instead of creating one when given its ARN", async () => {
      const arn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
      const existing = await runStack(ROOT, { ...BASE_CONFIG, "dagspec:kmsKeyArn": arn });
      expect(ofType(existing, "aws:kms/key:Key")).to.deep.equal([]);
      expect(environment(existing).inputs["kmsKey"]).to.equal(arn);
    });
  });

  describe("the MWAA execution role", () => {
    const doc = () => rolePolicy(run, "airflow-policy");

    it("is trusted by MWAA for this environment only", () => {
      const role = one(run, "aws:iam/role:Role", (r) => r.name === "airflow-role");
      expect(json<Doc>(role.inputs["assumeRolePolicy"]).Statement[0]).to.deep.include({
        Principal: { Service: ["airflow.amazonaws.com", "airflow-env.amazonaws.com"] },
      });
    });

    it("has MWAA's documented minimum, scoped to this environment", () => {
      expect(statement(doc(), "PublishMetrics").Resource).to.equal(
        `arn:aws:airflow:${REGION}:${ACCOUNT}:environment/dagspec-dev`,
      );
      expect(statement(doc(), "SourceBucket").Resource).to.deep.equal([
        `arn:aws:s3:::${AIRFLOW}`,
        `arn:aws:s3:::${AIRFLOW}/*`,
      ]);
      expect(statement(doc(), "EnvironmentLogs").Resource).to.equal(
        `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:airflow-dagspec-dev-*`,
      );
      expect(statement(doc(), "CeleryQueue").Resource).to.equal(
        `arn:aws:sqs:${REGION}:*:airflow-celery-*`,
      );
      expect(statement(doc(), "StackKeyThroughSqsAndS3").Condition).to.deep.equal({
        StringLike: {
          "kms:ViaService": [`sqs.${REGION}.amazonaws.com`, `s3.${REGION}.amazonaws.com`],
        },
      });
    });

    it("may run the stack's crawlers and Glue jobs and nothing else of Glue", () => {
      const glue = `arn:aws:glue:${REGION}:${ACCOUNT}`;
      expect(statement(doc(), "RunCrawlers")).to.deep.include({
        Action: ["glue:GetCrawler", "glue:StartCrawler"],
        Resource: manifest.crawlers.map(
          (c) => `${glue}:crawler/${names.glueCrawler(c.pipeline, c.dataset)}`,
        ),
      });
      expect(statement(doc(), "RunCrawlers").Resource).to.include(
        `${glue}:crawler/dagspec-dev-abalone-retrain-survey`,
      );
      expect(statement(doc(), "RunGlueJobs")).to.deep.include({
        Action: ["glue:GetJob", "glue:StartJobRun", "glue:GetJobRun"],
        Resource: manifest.glueJobs.map((j) => `${glue}:job/${names.glueJob(j.pipeline, j.task)}`),
      });
      expect(statement(doc(), "RunGlueJobs").Resource).to.include(
        `${glue}:job/dagspec-dev-abalone-retrain-preprocess`,
      );
      const glueActions = doc()
        .Statement.flatMap((s) => list(s.Action))
        .filter((a) => a.startsWith("glue:"));
      expect(glueActions.sort()).to.deep.equal([
        "glue:GetCrawler",
        "glue:GetCrawlerMetrics",
        "glue:GetJob",
        "glue:GetJobRun",
        "glue:StartCrawler",
        "glue:StartJobRun",
      ]);
    });

    it("may read and write the lake only where helper tasks look", () => {
      const objects = statement(doc(), "HelperDataObjects").Resource;
      expect(objects).to.include(`arn:aws:s3:::${LAKE}/abalone/curated/*`);
      expect(objects).not.to.include(`arn:aws:s3:::${LAKE}/abalone/raw/abalone.data`);
    });

    it("may read the variables and connections under the stack's prefix only", () => {
      expect(statement(doc(), "SecretsBackend")).to.deep.include({
        Action: "ssm:GetParameter",
        Resource: [
          `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/dagspec/dev/variables/*`,
          `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/dagspec/dev/connections/*`,
        ],
      });
    });

    it("may run SageMaker jobs, models and endpoint configs named with the stack's prefix only", () => {
      expect(PREFIX).to.match(/^ds-dev-[0-9a-f]{4}$/);
      expect(statement(doc(), "RunSageMaker")).to.deep.include({
        Action: [
          "sagemaker:CreateTrainingJob",
          "sagemaker:DescribeTrainingJob",
          "sagemaker:CreateProcessingJob",
          "sagemaker:DescribeProcessingJob",
          "sagemaker:CreateTransformJob",
          "sagemaker:DescribeTransformJob",
          "sagemaker:CreateModel",
          "sagemaker:DescribeModel",
          "sagemaker:CreateEndpointConfig",
          "sagemaker:DescribeEndpointConfig",
          "sagemaker:AddTags",
          "sagemaker:ListTags",
        ],
        Resource: [
          "training-job",
          "processing-job",
          "transform-job",
          "model",
          "endpoint-config",
        ].map((t) => `${SM}:${t}/${PREFIX}-*`),
      });
    });

    it("may create, update and describe exactly the manifest's endpoints", () => {
      expect(statement(doc(), "DeployEndpoints")).to.deep.include({
        Action: [
          "sagemaker:CreateEndpoint",
          "sagemaker:UpdateEndpoint",
          "sagemaker:DescribeEndpoint",
          "sagemaker:AddTags",
        ],
        Resource: manifest.endpoints.map((e) => `${SM}:endpoint/${PREFIX}-${e.name}`).sort(),
      });
      expect(statement(doc(), "DeployEndpoints").Resource).to.deep.equal([
        `${SM}:endpoint/${PREFIX}-abalone`,
        `${SM}:endpoint/${PREFIX}-abalone-reviewed`,
      ]);
    });

    it("may register model versions in exactly the manifest's package groups", () => {
      expect(statement(doc(), "RegisterModels")).to.deep.include({
        Action: [
          "sagemaker:CreateModelPackageGroup",
          "sagemaker:DescribeModelPackageGroup",
          "sagemaker:CreateModelPackage",
          "sagemaker:DeleteModelPackageGroup",
        ],
        Resource: [
          `${SM}:model-package-group/${PREFIX}-abalone`,
          `${SM}:model-package/${PREFIX}-abalone/*`,
        ],
      });
    });

    it("may pass the SageMaker role only, only to SageMaker, and nothing of SageMaker on *", () => {
      expect(statement(doc(), "PassSageMakerRole")).to.deep.include({
        Action: "iam:PassRole",
        Resource: `arn:aws:iam::${ACCOUNT}:role/dagspec-dev-sagemaker`,
        Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
      });
      for (const s of doc().Statement.filter((x) =>
        list(x.Action).some((a) => a.startsWith("sagemaker:")),
      )) {
        expect(list(s.Action), s.Sid).not.to.include("sagemaker:*");
        for (const r of list(s.Resource))
          expect(r, s.Sid).to.match(new RegExp(`^${SM}:[a-z-]+/${PREFIX}-`));
      }
      const iam = doc()
        .Statement.flatMap((s) => list(s.Action))
        .filter((a) => a.startsWith("iam:"));
      expect(iam).to.deep.equal(["iam:PassRole"]);
    });

    it("may invoke exactly the stack's Lambda functions", () => {
      expect(statement(doc(), "InvokeFunctions")).to.deep.include({
        Action: "lambda:InvokeFunction",
        Resource: manifest.functions.map(
          (f) =>
            `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${names.lambdaFunction(f.pipeline, f.name)}`,
        ),
      });
      expect(statement(doc(), "InvokeFunctions").Resource).to.deep.equal([
        `arn:aws:lambda:${REGION}:${ACCOUNT}:function:dagspec-dev-iris-training-ingest_iris`,
      ]);
    });

    it("may publish to exactly the stack's topics, with the key they are encrypted with", () => {
      const topicArns = ofType(run, "aws:sns/topic:Topic").map((t) => t.state["arn"]);
      expect(topicArns).to.have.length(manifest.topics.length);
      expect(statement(doc(), "PublishToTopics")).to.deep.include({ Action: "sns:Publish" });
      expect([...list(statement(doc(), "PublishToTopics").Resource)].sort()).to.deep.equal(
        [...topicArns].sort(),
      );
      expect(statement(doc(), "StackKeyThroughSns")).to.deep.include({
        Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
        Resource: key.state["arn"],
        Condition: { StringEquals: { "kms:ViaService": `sns.${REGION}.amazonaws.com` } },
      });
    });

    it("may read what gates read and list what sensors and the SageMaker hook look at", () => {
      const lake = `arn:aws:s3:::${LAKE}`;
      expect(statement(doc(), "LakeReads").Resource).to.include.members([
        `${lake}/abalone/evaluation/*`,
        `${lake}/abalone/continuous/evaluation/*`,
        `${lake}/abalone/curated/*`,
        `${lake}/iris/curated/*`,
      ]);
      expect(statement(doc(), "LakeReads").Resource).not.to.include(`${lake}/abalone/models/*`);
      expect(statement(doc(), "LakeReads").Action).to.equal("s3:GetObject");
      const listed = statement(doc(), "LakeListing");
      expect(listed.Action).to.equal("s3:ListBucket");
      expect(listed.Condition!["StringLike"]!["s3:prefix"]).to.include.members([
        "abalone/new/*",
        "abalone/curated/*",
      ]);
      expect(statement(doc(), "LakeBucketCheck").Condition).to.deep.equal({
        Null: { "s3:prefix": "true" },
      });
      // No unconditioned listing of the lake.
      for (const s of doc().Statement.filter((x) => list(x.Action).includes("s3:ListBucket"))) {
        if (list(s.Resource).includes(lake)) expect(s.Condition, s.Sid).not.to.equal(undefined);
      }
    });
  });

  describe("the Airflow Variables", () => {
    const parameters = () =>
      Object.fromEntries(
        ofType(run, "aws:ssm/parameter:Parameter").map((r): [string, Record<string, unknown>] => [
          String(r.inputs["name"]),
          r.inputs,
        ]),
      );

    it("are one SSM parameter per variable the DAGs read, under the stack's prefix", () => {
      expect(Object.keys(parameters()).sort()).to.deep.equal(
        manifest.variables.map((v) => `/dagspec/dev/variables/${v}`).sort(),
      );
      for (const p of Object.values(parameters())) expect(p["type"]).to.equal("String");
    });

    it("hold the real names of the stack's resources", () => {
      const value = (v: string) => parameters()[`/dagspec/dev/variables/${v}`]?.["value"];
      expect(value("lake_bucket")).to.equal(LAKE);
      expect(value("glue_database__abalone")).to.equal("dagspec_dev_abalone");
      expect(value("abalone_retrain__survey__crawler")).to.equal(
        "dagspec-dev-abalone-retrain-survey",
      );
      expect(value("abalone_retrain__preprocess__glue_job")).to.equal(
        "dagspec-dev-abalone-retrain-preprocess",
      );
      expect(value("iris_training__ingest_iris__lambda")).to.equal(
        "dagspec-dev-iris-training-ingest_iris",
      );
      expect(value("abalone_retrain__ml_alerts__sns_topic")).to.equal(
        `arn:aws:sns:${REGION}:${ACCOUNT}:dagspec-dev-abalone-retrain-ml_alerts`,
      );
      expect(value("name_prefix")).to.equal(PREFIX);
      expect(value("sagemaker_role_arn")).to.equal(
        `arn:aws:iam::${ACCOUNT}:role/dagspec-dev-sagemaker`,
      );
    });

    it("hold the ARN of the topic each pipeline publishes to, one topic per pipeline", () => {
      for (const t of manifest.topics) {
        const topic = one(
          run,
          "aws:sns/topic:Topic",
          (r) => r.name === `topics-${t.pipeline}-${t.name}`,
        );
        expect(parameters()[`/dagspec/dev/variables/${t.variable}`]?.["value"]).to.equal(
          topic.state["arn"],
        );
      }
    });
  });

  describe("the outputs", () => {
    it("give the Airflow UI, the environment and the bucket names", () => {
      const o = run.outputs;
      expect(o.webserverUrl).to.match(/^https:\/\/.+\.airflow\.amazonaws\.com$/);
      expect(o.environmentName).to.equal("dagspec-dev");
      expect(o.buckets).to.deep.equal({
        lake: LAKE,
        logs: LOGS,
        scripts: SCRIPTS,
        airflow: AIRFLOW,
      });
    });

    it("give the role ARNs, crawler and job names", () => {
      const o = run.outputs;
      expect(o.roles.mwaa).to.equal(`arn:aws:iam::${ACCOUNT}:role/dagspec-dev-mwaa`);
      expect(o.roles.sagemaker).to.equal(`arn:aws:iam::${ACCOUNT}:role/dagspec-dev-sagemaker`);
      expect(o.roles.glue[PIPELINE]).to.equal(
        `arn:aws:iam::${ACCOUNT}:role/dagspec-dev-glue-abalone-retrain`,
      );
      expect(Object.keys(o.crawlers).sort()).to.deep.equal(
        manifest.crawlers.map((c) => c.variable).sort(),
      );
      expect(o.crawlers["abalone_retrain__survey__crawler"]).to.equal(
        "dagspec-dev-abalone-retrain-survey",
      );
      expect(Object.keys(o.jobs).sort()).to.deep.equal(
        manifest.glueJobs.map((j) => j.variable).sort(),
      );
      expect(o.jobs["abalone_retrain__preprocess__glue_job"]).to.equal(
        "dagspec-dev-abalone-retrain-preprocess",
      );
    });

    it("give the function names, topic ARNs and the SageMaker name prefix", () => {
      const o = run.outputs;
      expect(o.functions).to.deep.equal({
        iris_training__ingest_iris__lambda: "dagspec-dev-iris-training-ingest_iris",
      });
      expect(Object.keys(o.topics).sort()).to.deep.equal(
        manifest.topics.map((t) => t.variable).sort(),
      );
      expect(o.namePrefix).to.equal(PREFIX);
    });

    it("give a command per pipeline that triggers its DAG", () => {
      const o = run.outputs;
      expect(Object.keys(o.triggerCommands)).to.deep.equal(
        compiled.pipelines.map((p) => p.id).sort(),
      );
      expect(o.triggerCommands[PIPELINE]).to.include(
        "aws mwaa create-cli-token --name dagspec-dev --region eu-west-1",
      );
      expect(o.triggerCommands[PIPELINE]).to.include("'dags trigger abalone-retrain'");
    });
  });

  describe("the program", () => {
    it("calls no provider function but the caller identity and the partition", () => {
      expect(run.invokes).to.deep.equal(Object.keys(INVOKES).sort());
    });

    it("tags every resource with the project, the stack and the configured tags", async () => {
      const tagged = await runStack(ROOT, {
        ...BASE_CONFIG,
        "dagspec:tags": '{"team":"ml-platform"}',
      });
      const provider = one(tagged, "pulumi:providers:aws");
      expect(json(provider.inputs["defaultTags"])).to.deep.equal({
        tags: { "dagspec:project": "dagspec", "dagspec:stack": "dev", team: "ml-platform" },
      });
      expect(provider.inputs["region"]).to.equal(REGION);
    });

    it("gives two stacks in one account no name in common", async () => {
      const prod = await runStack(ROOT, BASE_CONFIG, "prod");
      const names = (r: StackRun) =>
        r.resources
          .filter((x) => x.custom)
          .map((x) => (x.type === S("bucket:Bucket") ? x.inputs["bucket"] : x.inputs["name"]))
          .filter((n): n is string => typeof n === "string");
      const ours = names(run);
      expect(ours.length).to.be.greaterThan(20);
      const shared = names(prod).filter((n) => ours.includes(n));
      expect(shared).to.deep.equal([]);
    });

    it("deploys the DAGs compiled for Airflow 3.0 when the spec set targets 3.0", async () => {
      const root = copyProject();
      try {
        editFile(root, "dags-src/dagspec.config.yaml", (t) =>
          t.replace('airflow: "2.10"', 'airflow: "3.0"'),
        );
        recompile(root, "3.0");
        const v3 = await runStack(root, { ...BASE_CONFIG, "dagspec:airflowVersion": "3.0.6" });
        const compiled = compileProject(diskProject(ROOT), {
          target: "3.0",
          runtime: runtimeSource(),
        });
        expect(object(v3, "dags/abalone_retrain.py").inputs["content"]).to.equal(
          compiled.dags.get("abalone_retrain.py"),
        );
        expect(environment(v3).inputs["airflowVersion"]).to.equal("3.0.6");
        expect(object(v3, "requirements.txt").inputs["content"]).to.include(
          "constraints-3.0.6/constraints-3.12.txt",
        );
        expect(environment(v3).inputs["requirementsS3ObjectVersion"]).not.to.equal(
          environment(run).inputs["requirementsS3ObjectVersion"],
        );
      } finally {
        removeProject(root);
      }
    });

    it("refuses an Airflow version other than the spec set's, naming both keys, before any resource", async () => {
      let error: unknown;
      const refused = await runStack(ROOT, {
        ...BASE_CONFIG,
        "dagspec:airflowVersion": "3.0.6",
      }).catch((e: unknown) => {
        error = e;
        return undefined;
      });
      expect(refused).to.equal(undefined);
      expect(String(error)).to.include(
        "dagspec:airflowVersion is 3.0.6, but dags-src/dagspec.config.yaml compiles the DAGs " +
          "for Airflow 2.10 (key airflow), which MWAA runs as 2.10.3",
      );
    });

    it("refuses a spec set configuration that does not parse, showing its diagnostics", async () => {
      const root = copyProject();
      try {
        editFile(root, "dags-src/dagspec.config.yaml", (t) => t.replace('"2.10"', '"2.9"'));
        let error: unknown;
        await runStack(root).catch((e: unknown) => (error = e));
        expect(String(error)).to.match(/dags-src\/dagspec\.config\.yaml is not valid:\n.*2\.9/);
      } finally {
        removeProject(root);
      }
    });

    it("refuses a generated-dags/ folder that does not match the specs, naming the file", async () => {
      const root = copyProject();
      try {
        editFile(root, "generated-dags/abalone_retrain.py", (t) => t + "# edited by hand\n");
        let error: unknown;
        await runStack(root).catch((e: unknown) => (error = e));
        expect(String(error)).to.match(
          /generated-dags\/ does not match dags-src\/ \(different abalone_retrain\.py\)/,
        );
      } finally {
        removeProject(root);
      }
    });

    it("refuses specs that do not compile, showing the diagnostics", async () => {
      const root = copyProject();
      try {
        editFile(root, "dags-src/abalone-retrain.yaml", (t) =>
          t.replace("dataset: survey", "dataset: surveys"),
        );
        let error: unknown;
        await runStack(root).catch((e: unknown) => (error = e));
        expect(String(error)).to.match(
          /the specs do not compile:\ndags-src\/abalone-retrain\.yaml:\d+:\d+ /,
        );
      } finally {
        removeProject(root);
      }
    });

    it("refuses invalid configuration before declaring any resource", async () => {
      let error: unknown;
      await runStack(ROOT, { ...BASE_CONFIG, "dagspec:environmentClass": "mw1.huge" }).catch(
        (e: unknown) => (error = e),
      );
      expect(String(error)).to.include("dagspec:environmentClass");
    });
  });
});
