// Operator access: the policy `dagspec trigger ... ui` need, granted by configuration to an
// existing IAM role or group, and nothing when neither is configured.

import { expect } from "chai";
import { ConfigError, readConfig } from "../../infra/config";
import { operatorPolicy } from "../../infra/policies";
import { ROOT } from "../helpers";
import { ACCOUNT, BASE_CONFIG, json, ofType, one, REGION, runStack, type StackRun } from "./mocks";
import { RULES } from "./rules";

const C = { partition: "aws", region: REGION, accountId: ACCOUNT };

describe("operator access", function () {
  this.timeout(300_000);

  it("reads the operator role, group and Airflow role from the configuration", () => {
    expect(readConfig(BASE_CONFIG).operators).to.deep.equal({ airflowRole: "Op" });
    expect(
      readConfig({
        ...BASE_CONFIG,
        "dagspec:operatorRole": "ml-operators",
        "dagspec:operatorGroup": "oncall",
        "dagspec:operatorAirflowRole": "Viewer",
      }).operators,
    ).to.deep.equal({ roleName: "ml-operators", groupName: "oncall", airflowRole: "Viewer" });
  });

  it("names the key of a bad operator setting", () => {
    let problems: string[] = [];
    try {
      readConfig({
        ...BASE_CONFIG,
        "dagspec:operatorRole": "arn:aws:iam::1:role/x",
        "dagspec:operatorAirflowRole": "Root",
      });
    } catch (e) {
      problems = (e as ConfigError).problems;
    }
    expect(problems).to.have.length(2);
    expect(problems[0]).to.match(/^dagspec:operatorRole: expected an IAM role name/);
    expect(problems[1]).to.match(
      /^dagspec:operatorAirflowRole: expected one of Admin, Op, User, Viewer/,
    );
  });

  it("allows the CLI token, the environment and the task logs of one environment, and one Airflow role's sign-in", () => {
    const doc = operatorPolicy(C, {
      environmentName: "dagspec-dev",
      airflowRole: "Op",
      taskLogGroup: "airflow-dagspec-dev-Task",
    });
    expect(doc.Statement).to.deep.equal([
      {
        Sid: "AirflowCliAndEnvironment",
        Effect: "Allow",
        Action: ["airflow:CreateCliToken", "airflow:GetEnvironment"],
        Resource: `arn:aws:airflow:${REGION}:${ACCOUNT}:environment/dagspec-dev`,
      },
      {
        Sid: "AirflowUiSignIn",
        Effect: "Allow",
        Action: "airflow:CreateWebLoginToken",
        Resource: `arn:aws:airflow:${REGION}:${ACCOUNT}:role/dagspec-dev/Op`,
      },
      {
        Sid: "ReadTaskLogs",
        Effect: "Allow",
        Action: ["logs:DescribeLogStreams", "logs:GetLogEvents"],
        Resource: [
          `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:airflow-dagspec-dev-Task`,
          `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:airflow-dagspec-dev-Task:log-stream:*`,
        ],
      },
    ]);
  });

  describe("in the stack", () => {
    let granted: StackRun;
    before(async () => {
      granted = await runStack(ROOT, {
        ...BASE_CONFIG,
        "dagspec:operatorRole": "ml-operators",
        "dagspec:operatorGroup": "oncall",
      });
    });

    it("attaches the policy for the stack's environment to the configured role and group", () => {
      const p = one(granted, "aws:iam/policy:Policy");
      expect(p.inputs["name"]).to.equal("dagspec-dev-operators");
      const doc = json<{ Statement: { Resource: string | string[] }[] }>(p.inputs["policy"]);
      expect(doc.Statement[0]!.Resource).to.equal(
        `arn:aws:airflow:${REGION}:${ACCOUNT}:environment/${granted.outputs.environmentName}`,
      );
      const role = one(granted, "aws:iam/rolePolicyAttachment:RolePolicyAttachment");
      const group = one(granted, "aws:iam/groupPolicyAttachment:GroupPolicyAttachment");
      expect(role.inputs["role"]).to.equal("ml-operators");
      expect(group.inputs["group"]).to.equal("oncall");
      expect(role.inputs["policyArn"]).to.equal(p.state["arn"] ?? role.inputs["policyArn"]);
    });

    it("keeps every security rule", () => {
      for (const rule of RULES)
        expect(rule.check(granted.resources), rule.description).to.deep.equal([]);
    });

    it("grants nothing when no operator is configured", async () => {
      const plain = await runStack(ROOT);
      expect(ofType(plain, "aws:iam/policy:Policy")).to.deep.equal([]);
      expect(ofType(plain, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")).to.deep.equal([]);
    });
  });
});
