// The SageMaker execution role: what training, processing, models and endpoints run as. It
// exists even before any spec has a SageMaker task, so its ARN is stable; Airflow may pass it
// only when the manifest holds SageMaker work (see mwaaRolePolicy).

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DatasetLocation } from "../compiler/ir";
import type { Repository } from "./images";
import { sagemakerRolePolicy, sagemakerTrustPolicy, type AwsContext } from "./policies";

export interface SageMakerRoleArgs {
  roleName: string;
  context: pulumi.Input<AwsContext>;
  lakeBucketArn: pulumi.Input<string>;
  /** The datasets of the pipelines that run SageMaker. */
  locations: DatasetLocation[];
  /** Lake prefixes of the code folders processing jobs copy (one per script folder). */
  codeFolders: string[];
  /** The ECR repositories of the images the pipelines run. */
  repositories: Repository[];
  namePrefix: string;
  keyArn: pulumi.Input<string>;
}

export class SageMakerRole extends pulumi.ComponentResource {
  readonly role: aws.iam.Role;
  readonly policy: aws.iam.RolePolicy;
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: SageMakerRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dagspec:sagemaker:SageMakerRole", name, {}, opts);
    const context = pulumi.output(args.context);
    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        name: args.roleName,
        description: "SageMaker training, processing and hosting of the dagspec pipelines",
        assumeRolePolicy: context.apply((c) => JSON.stringify(sagemakerTrustPolicy(c))),
      },
      { parent: this },
    );
    this.policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.id,
        policy: pulumi
          .all([context, args.lakeBucketArn, args.keyArn])
          .apply(([c, lakeArn, keyArn]) =>
            JSON.stringify(
              sagemakerRolePolicy(c, {
                lakeArn,
                locations: args.locations,
                codeFolders: args.codeFolders,
                repositories: args.repositories,
                namePrefix: args.namePrefix,
                keyArn,
              }),
            ),
          ),
      },
      { parent: this },
    );
    this.arn = this.role.arn;
    this.registerOutputs({ arn: this.arn });
  }
}
