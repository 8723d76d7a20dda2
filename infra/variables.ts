// The Airflow Variables the DAGs read, as SSM parameters under the stack's prefix, where MWAA's
// secrets backend finds them. Each holds the name (an SNS topic: the ARN) of a resource of this
// stack, or the stack's SageMaker name prefix.

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { VariableTarget } from "./plan";

/** Where the value of each kind of variable comes from. */
export interface VariableSources {
  lakeBucket: pulumi.Input<string>;
  databases: Record<string, pulumi.Input<string>>;
  crawlers: Record<string, pulumi.Input<string>>;
  jobs: Record<string, pulumi.Input<string>>;
  /** Lambda function names and SNS topic ARNs by variable. */
  functions: Record<string, pulumi.Input<string>>;
  topics: Record<string, pulumi.Input<string>>;
  namePrefix: string;
  sagemakerRoleArn: pulumi.Input<string>;
}

export function variableValue(target: VariableTarget, s: VariableSources): pulumi.Input<string> {
  const found = (value: pulumi.Input<string> | undefined, what: string) => {
    if (value === undefined) throw new Error(`the stack created no ${what}`);
    return value;
  };
  switch (target.kind) {
    case "lake":
      return s.lakeBucket;
    case "glue.database":
      return found(s.databases[target.database], `Glue database ${target.database}`);
    case "glue.crawler":
      return found(s.crawlers[target.crawler.variable], `crawler for ${target.crawler.variable}`);
    case "glue.job":
      return found(s.jobs[target.job.variable], `Glue job for ${target.job.variable}`);
    case "lambda.function":
      return found(s.functions[target.fn.variable], `Lambda function for ${target.fn.variable}`);
    case "sns.topic":
      return found(s.topics[target.topic.variable], `SNS topic for ${target.topic.variable}`);
    case "namePrefix":
      return s.namePrefix;
    case "sagemakerRole":
      return s.sagemakerRoleArn;
    default: {
      const never: never = target;
      throw new Error(`unhandled variable target ${JSON.stringify(never)}`);
    }
  }
}

export interface AirflowVariablesArgs {
  /** The secrets backend's variables_prefix, e.g. /dagspec/dev/variables. */
  prefix: string;
  variables: { name: string; value: pulumi.Input<string> }[];
}

export class AirflowVariables extends pulumi.ComponentResource {
  /** Parameter names by variable name. */
  readonly parameters: Record<string, pulumi.Output<string>> = {};

  constructor(name: string, args: AirflowVariablesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dagspec:airflow:AirflowVariables", name, {}, opts);
    for (const v of args.variables) {
      const parameter = new aws.ssm.Parameter(
        `${name}-${v.name}`,
        {
          name: `${args.prefix}/${v.name}`,
          type: "String",
          value: v.value,
          description: `Airflow Variable ${v.name} of the dagspec DAGs; set by the stack`,
        },
        { parent: this },
      );
      this.parameters[v.name] = parameter.name;
    }
    this.registerOutputs({ parameters: this.parameters });
  }
}
