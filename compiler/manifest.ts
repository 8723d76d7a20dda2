// The resource manifest: everything the compiled pipelines need from AWS, merged across
// pipelines. The Pulumi stack and the local runner both create resources from this list.

import type { Resource } from "./ir";
import { LAKE_BUCKET, NAME_PREFIX, SAGEMAKER_ROLE_ARN } from "./variables";

type Of<K extends Resource["kind"]> = Extract<Resource, { kind: K }>;

export interface Manifest {
  datasets: Of<"dataset">[];
  databases: Of<"glue.database">[];
  crawlers: Of<"glue.crawler">[];
  glueJobs: Of<"glue.job">[];
  /** Project files SageMaker jobs read, uploaded under CODE_PREFIX in the lake; one per path. */
  code: Of<"code">[];
  functions: Of<"lambda.function">[];
  topics: Of<"sns.topic">[];
  /** Name prefixes of the per-run SageMaker jobs, models and endpoint configs each task creates. */
  sagemakerNames: Of<"sagemaker.names">[];
  endpoints: Of<"sagemaker.endpoint">[];
  modelPackageGroups: Of<"sagemaker.modelPackageGroup">[];
  /** Every Airflow Variable a DAG reads, sorted. */
  variables: string[];
}

export function buildManifest(all: readonly Resource[]): Manifest {
  const pick = <K extends Resource["kind"]>(kind: K) =>
    all.filter((r): r is Of<K> => r.kind === kind);
  const unique = <T>(items: T[], key: (t: T) => string) => [
    ...new Map(items.map((i) => [key(i), i])).values(),
  ];
  const variables = new Set([LAKE_BUCKET]);
  for (const r of all) if ("variable" in r) variables.add(r.variable);
  // Per-run SageMaker names, endpoints and package groups start with the stack's prefix, and
  // SageMaker jobs and models run as the stack's SageMaker role.
  const sagemaker = all.some((r) => r.kind.startsWith("sagemaker."));
  if (sagemaker) {
    variables.add(NAME_PREFIX);
    variables.add(SAGEMAKER_ROLE_ARN);
  }
  return {
    datasets: pick("dataset"),
    databases: unique(pick("glue.database"), (d) => d.name).sort((a, b) =>
      a.name.localeCompare(b.name),
    ),
    crawlers: pick("glue.crawler"),
    glueJobs: pick("glue.job"),
    code: unique(pick("code"), (c) => c.path).sort((a, b) => a.path.localeCompare(b.path)),
    functions: pick("lambda.function"),
    topics: pick("sns.topic"),
    sagemakerNames: pick("sagemaker.names"),
    endpoints: unique(pick("sagemaker.endpoint"), (e) => e.name),
    modelPackageGroups: unique(pick("sagemaker.modelPackageGroup"), (g) => g.name),
    variables: [...variables].sort(),
  };
}
