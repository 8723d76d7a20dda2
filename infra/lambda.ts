// One Lambda function per function a spec declares, for lambda.invoke tasks: the handler's file
// zipped alone, its own log group (kept for the log retention, encrypted with the stack key) and
// its own execution role, which reaches the datasets of its pipeline and nothing else.

import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StackNames } from "./naming";
import type { LambdaFunction, PipelinePlan } from "./plan";
import { lambdaRolePolicy, lambdaTrustPolicy, type AwsContext } from "./policies";

/** The handler setting: `<module>.<function>`, the module being the file's name. */
export function lambdaHandler(fn: Pick<LambdaFunction, "source" | "handler">): string {
  return `${path.posix.basename(fn.source).replace(/\.py$/, "")}.${fn.handler}`;
}

export interface LambdaFunctionsArgs {
  names: StackNames;
  /** The pipelines with functions; each function's role gets its pipeline's datasets. */
  pipelines: PipelinePlan[];
  context: pulumi.Input<AwsContext>;
  lakeBucketArn: pulumi.Input<string>;
  keyArn: pulumi.Input<string>;
  /** Handler file text by project path (lambdas/ingest_iris.py). */
  sources: ReadonlyMap<string, string>;
  logRetentionDays: number;
}

export class LambdaFunctions extends pulumi.ComponentResource {
  /** Function names by the Airflow Variable that holds them. */
  readonly functionNames: Record<string, pulumi.Output<string>> = {};
  /** Execution role ARNs by the Airflow Variable of their function. */
  readonly roleArns: Record<string, pulumi.Output<string>> = {};

  constructor(name: string, args: LambdaFunctionsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dagspec:lambda:LambdaFunctions", name, {}, opts);
    const child = { parent: this };
    const { names } = args;
    for (const p of args.pipelines) {
      for (const fn of p.functions) {
        const id = `${name}-${p.id}-${fn.name}`;
        const functionName = names.lambdaFunction(p.id, fn.name);
        const logGroupName = names.lambdaLogGroup(functionName);
        const source = args.sources.get(fn.source);
        if (source === undefined) throw new Error(`no text for the Lambda handler ${fn.source}`);

        const logGroup = new aws.cloudwatch.LogGroup(
          `${id}-logs`,
          { name: logGroupName, retentionInDays: args.logRetentionDays, kmsKeyId: args.keyArn },
          child,
        );
        const role = new aws.iam.Role(
          `${id}-role`,
          {
            name: names.role(`lambda-${p.id}-${fn.name}`),
            description: `Lambda function ${fn.name} of pipeline ${p.id}`,
            assumeRolePolicy: JSON.stringify(lambdaTrustPolicy()),
          },
          child,
        );
        const policy = new aws.iam.RolePolicy(
          `${id}-policy`,
          {
            role: role.id,
            policy: pulumi
              .all([args.context, args.lakeBucketArn, args.keyArn])
              .apply(([c, lakeArn, keyArn]) =>
                JSON.stringify(
                  lambdaRolePolicy(c, {
                    logGroup: logGroupName,
                    lakeArn,
                    locations: p.datasets,
                    keyArn,
                  }),
                ),
              ),
          },
          child,
        );
        const file = path.posix.basename(fn.source);
        const lambda = new aws.lambda.Function(
          id,
          {
            name: functionName,
            description: `Function ${fn.name} of pipeline ${p.id}; invoked by Airflow.`,
            role: role.arn,
            runtime: fn.runtime,
            handler: lambdaHandler(fn),
            code: new pulumi.asset.AssetArchive({ [file]: new pulumi.asset.StringAsset(source) }),
            timeout: fn.timeoutSeconds,
            memorySize: fn.memoryMb,
            loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
          },
          // The role must be able to log before the first invocation.
          { ...child, dependsOn: [logGroup, policy] },
        );
        this.functionNames[fn.variable] = lambda.name;
        this.roleArns[fn.variable] = role.arn;
      }
    }
    this.registerOutputs({ functions: this.functionNames });
  }
}
