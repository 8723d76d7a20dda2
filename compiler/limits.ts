// Limits that Airflow and the AWS APIs enforce on what a spec can make, so a spec that passes
// the compiler also imports, schedules and runs. Each names its source; test/compiler/
// limits.test.ts checks them against the installed Airflow and botocore.

/** airflow/models/dag.py TAG_MAX_LEN (2.10.3 and 3.0.6): longer tags fail the import. */
export const AIRFLOW_TAG_MAX = 100;
/** DagModel.owners is String(2000): the DAG's distinct task owners joined with ", ". */
export const AIRFLOW_OWNERS_MAX = 2000;
/**
 * SNS Publish: subjects "must be UTF-8 text with no line breaks or control characters, and
 * less than 100 characters long".
 */
export const SNS_SUBJECT_MAX = 99;
/** Lambda's longest timeout: 15 minutes. */
export const LAMBDA_TIMEOUT_MAX = 900;
/** Glue: "Jobs must have timeout values less than 7 days or 10080 minutes". */
export const GLUE_TIMEOUT_MAX = 7 * 86400;
/** SageMaker training jobs run at most 28 days (StoppingCondition.MaxRuntimeInSeconds). */
export const SAGEMAKER_TRAINING_RUNTIME_MAX = 28 * 86400;
/** botocore sagemaker ProcessingMaxRuntimeInSeconds: max 777600 (9 days). */
export const SAGEMAKER_PROCESSING_RUNTIME_MAX = 777_600;
/** botocore sagemaker HyperParameterKey / HyperParameterValue / HyperParameters. */
export const SAGEMAKER_HYPERPARAMETER_KEY_MAX = 256;
export const SAGEMAKER_HYPERPARAMETER_VALUE_MAX = 2500;
export const SAGEMAKER_HYPERPARAMETERS_MAX = 100;
/** botocore sagemaker ProcessingInputs: max 10 (the script is one of them). */
export const SAGEMAKER_PROCESSING_INPUTS_MAX = 10;
/** botocore sagemaker ProcessingOutputs: max 10. */
export const SAGEMAKER_PROCESSING_OUTPUTS_MAX = 10;
/** botocore sagemaker InputDataConfig (training channels): max 20. */
export const SAGEMAKER_CHANNELS_MAX = 20;
/** botocore glue NameString (table names): max 255. */
export const GLUE_NAME_MAX = 255;
