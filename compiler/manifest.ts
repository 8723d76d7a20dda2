// The resource manifest: everything the compiled pipelines need from AWS, merged across
// pipelines. The Pulumi stack and the local runner both create resources from this list.

import type { Resource } from "./ir";
import { LAKE_BUCKET } from "./variables";

type Of<K extends Resource["kind"]> = Extract<Resource, { kind: K }>;

export interface Manifest {
  datasets: Of<"dataset">[];
  databases: Of<"glue.database">[];
  crawlers: Of<"glue.crawler">[];
  glueJobs: Of<"glue.job">[];
  /** Every Airflow Variable a DAG reads, sorted. */
  variables: string[];
}

export function buildManifest(all: readonly Resource[]): Manifest {
  const pick = <K extends Resource["kind"]>(kind: K) =>
    all.filter((r): r is Of<K> => r.kind === kind);
  const databases = new Map(pick("glue.database").map((d) => [d.name, d]));
  const crawlers = pick("glue.crawler");
  const glueJobs = pick("glue.job");
  const variables = new Set([LAKE_BUCKET, ...[...databases.values()].map((d) => d.variable)]);
  for (const r of [...crawlers, ...glueJobs]) variables.add(r.variable);
  return {
    datasets: pick("dataset"),
    databases: [...databases.values()].sort((a, b) => a.name.localeCompare(b.name)),
    crawlers,
    glueJobs,
    variables: [...variables].sort(),
  };
}
