// Names of the Airflow Variables that connect generated DAGs to the resources of a stack.
// DAG files reference these names only (`{{ var.value.<name> }}`); the stack publishes one
// SSM parameter per name and the local runner one AIRFLOW_VAR_<NAME> environment variable.

export const LAKE_BUCKET = "lake_bucket";

/** `abalone-retrain` → `abalone_retrain`: the form used inside variable names. */
export function pipelineKey(pipelineId: string): string {
  return pipelineId.replace(/-/g, "_");
}

export function databaseVariable(database: string): string {
  return `glue_database__${database}`;
}

export function crawlerVariable(pipelineId: string, dataset: string): string {
  return `${pipelineKey(pipelineId)}__${dataset}__crawler`;
}

export function glueJobVariable(pipelineId: string, task: string): string {
  return `${pipelineKey(pipelineId)}__${task}__glue_job`;
}

/** The stack's short name prefix for per-run SageMaker names and endpoints (at most 16 characters). */
export const NAME_PREFIX = "name_prefix";
export const SAGEMAKER_ROLE_ARN = "sagemaker_role_arn";
/** Where in the lake bucket the stack uploads project files that jobs read (code resources). */
export const CODE_PREFIX = "_dagspec/code/";

export function lambdaVariable(pipelineId: string, fn: string): string {
  return `${pipelineKey(pipelineId)}__${fn}__lambda`;
}

export function topicVariable(pipelineId: string, topic: string): string {
  return `${pipelineKey(pipelineId)}__${topic}__sns_topic`;
}
