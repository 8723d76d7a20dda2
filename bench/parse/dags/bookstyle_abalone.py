"""abalone-retrain in the book's style (bench/parse): resource names read from SSM at import.

Chapter 9 of the book (seeds/002, "global variables") reads five SSM parameters at module top
level, each through a new boto3 client, every time Airflow parses the file:

    data_bucket = f"{boto3.client("ssm", region_name=region_name).get_parameter(
        Name="AirflowDataBucket")["Parameter"]["Value"]}"   (triple-quoted in the book)

This file does exactly those five look-ups, then builds the same tasks as
handwritten_abalone.py with the bucket, Glue job, crawler and role taken from them. The book
takes the region from sagemaker.Session(); the SageMaker SDK is not installed here, so the
region comes from a plain boto3 session (which makes this variant cheaper than the book's).
The fifth parameter (the book's results Lambda) is read as the book does, though this
pipeline's gate is a Python task.
"""

from datetime import UTC, datetime, timedelta

import boto3
from airflow import DAG
from airflow.models.param import Param
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import BranchPythonOperator, PythonOperator
from airflow.providers.amazon.aws.notifications.sns import SnsNotifier
from airflow.providers.amazon.aws.operators.glue import GlueJobOperator
from airflow.providers.amazon.aws.operators.glue_crawler import GlueCrawlerOperator
from airflow.providers.amazon.aws.operators.sagemaker import (
    SageMakerEndpointOperator,
    SageMakerModelOperator,
    SageMakerProcessingOperator,
    SageMakerTrainingOperator,
)
from airflow.providers.amazon.aws.operators.sns import SnsPublishOperator
from dagspec_runtime import call_helper, image_uri, metric_gate

region_name = boto3.session.Session().region_name
data_bucket = f"""{boto3.client("ssm", region_name=region_name).get_parameter(Name="AirflowDataBucket")["Parameter"]["Value"]}"""
glue_job_name = f"""{boto3.client("ssm", region_name=region_name).get_parameter(Name="GlueJob")["Parameter"]["Value"]}"""
crawler_name = f"""{boto3.client("ssm", region_name=region_name).get_parameter(Name="GlueCrawler")["Parameter"]["Value"]}"""
sagemaker_role = f"""{boto3.client("ssm", region_name=region_name).get_parameter(Name="SageMakerRoleARN")["Parameter"]["Value"]}"""
lambda_function = f"""{boto3.client("ssm", region_name=region_name).get_parameter(Name="AnalyzeResultsLambda")["Parameter"]["Value"]}"""

LAKE = f"s3://{data_bucket}/abalone"
RUN = "{{ ts_nodash }}"
PREFIX = "{{ var.value.name_prefix }}"
ROLE = sagemaker_role
TOPIC = "{{ var.value.abalone_retrain__ml_alerts__sns_topic }}"
IMAGE = "{{ dagspec_image_uri('xgboost', '1.7-1') }}"
MODEL_ARTIFACT = (
    "{{ ti.xcom_pull(task_ids='train')['Training']['ModelArtifacts']['S3ModelArtifacts'] }}"
)


def tags(task):
    return [
        {"Key": "dagspec:pipeline", "Value": "abalone-retrain"},
        {"Key": "dagspec:task", "Value": task},
    ]


def channel(name, uri):
    source = {"S3DataType": "S3Prefix", "S3Uri": uri, "S3DataDistributionType": "FullyReplicated"}
    return {"ChannelName": name, "DataSource": {"S3DataSource": source}, "ContentType": "text/csv"}


def processing_input(name, uri, path):
    return {
        "InputName": name,
        "S3Input": {
            "S3Uri": uri,
            "LocalPath": path,
            "S3DataType": "S3Prefix",
            "S3InputMode": "File",
            "S3DataDistributionType": "FullyReplicated",
        },
    }


with DAG(
    dag_id="abalone-retrain",
    description="Retrain the abalone age model on new survey data; deploy only if RMSE passes.",
    schedule="@daily",
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=6),
    tags=["abalone", "ml"],
    default_args={
        "owner": "ml-platform",
        "retries": 2,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=15),
    },
    params={
        "max_rmse": Param(
            3.1,
            type="number",
            description="Deploy the new model only if its test RMSE is below this.",
            minimum=0,
        ),
        "max_bad_fraction": Param(
            0.01,
            type="number",
            description="Fail preprocessing when more than this fraction of rows is malformed.",
            minimum=0,
            maximum=1,
        ),
    },
    user_defined_macros={"dagspec_image_uri": image_uri},
    on_failure_callback=SnsNotifier(
        target_arn=TOPIC,
        subject="dagspec: abalone-retrain failed",
        message="Run {{ run_id }} of {{ dag.dag_id }} failed at task {{ ti.task_id }}. "
        "Log: {{ ti.log_url }}",
    ),
):
    crawl = GlueCrawlerOperator(
        task_id="crawl",
        config={"Name": crawler_name},
        wait_for_completion=True,
    )
    preprocess = GlueJobOperator(
        task_id="preprocess",
        job_name=glue_job_name,
        script_args={
            "--raw-path": f"{LAKE}/raw/abalone.data",
            "--survey-database": "{{ var.value.glue_database__abalone }}",
            "--survey-table": "new",
            "--output-path": f"{LAKE}/curated/{RUN}/",
            "--max-bad-fraction": "{{ params.max_bad_fraction }}",
        },
        wait_for_completion=True,
        verbose=False,
    )
    check_splits = PythonOperator(
        task_id="check_splits",
        python_callable=call_helper,
        op_kwargs={
            "helper": "abalone_checks:check_split_counts",
            "arguments": {
                "manifest_uri": f"{LAKE}/curated/{RUN}/manifest.json",
                "minimum_rows": 100,
            },
        },
    )
    train = SageMakerTrainingOperator(
        task_id="train",
        config={
            "TrainingJobName": f"{PREFIX}-abalone-re-96ec-{RUN}",
            "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            "RoleArn": ROLE,
            "InputDataConfig": [
                channel("train", f"{LAKE}/curated/{RUN}/training/"),
                channel("validation", f"{LAKE}/curated/{RUN}/validation/"),
            ],
            "OutputDataConfig": {"S3OutputPath": f"{LAKE}/models/"},
            "ResourceConfig": {
                "InstanceType": "ml.m5.xlarge",
                "InstanceCount": 1,
                "VolumeSizeInGB": 30,
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            "HyperParameters": {
                "objective": "reg:squarederror",
                "num_round": "150",
                "max_depth": "5",
                "eta": "0.2",
            },
            "Tags": tags("train"),
        },
        wait_for_completion=True,
        print_log=False,
    )
    evaluate = SageMakerProcessingOperator(
        task_id="evaluate",
        config={
            "ProcessingJobName": f"{PREFIX}-abalone-re-79d5-{RUN}",
            "AppSpecification": {
                "ImageUri": IMAGE,
                "ContainerEntrypoint": [
                    "python3",
                    "/opt/ml/processing/input/code/evaluate_regression.py",
                ],
            },
            "RoleArn": ROLE,
            "ProcessingInputs": [
                processing_input("model", MODEL_ARTIFACT, "/opt/ml/processing/input/model"),
                processing_input(
                    "test", f"{LAKE}/curated/{RUN}/test/", "/opt/ml/processing/input/test"
                ),
                processing_input(
                    "code",
                    f"s3://{data_bucket}/_dagspec/code/ml-scripts/evaluate_regression.py",
                    "/opt/ml/processing/input/code",
                ),
            ],
            "ProcessingOutputConfig": {
                "Outputs": [
                    {
                        "OutputName": "evaluation",
                        "S3Output": {
                            "S3Uri": f"{LAKE}/evaluation/{RUN}/",
                            "LocalPath": "/opt/ml/processing/output/evaluation",
                            "S3UploadMode": "EndOfJob",
                        },
                    }
                ]
            },
            "ProcessingResources": {
                "ClusterConfig": {
                    "InstanceType": "ml.m5.xlarge",
                    "InstanceCount": 1,
                    "VolumeSizeInGB": 30,
                }
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 1200},
            "Tags": tags("evaluate"),
        },
        wait_for_completion=True,
        print_log=False,
    )
    gate = BranchPythonOperator(
        task_id="gate",
        python_callable=metric_gate,
        op_kwargs={
            "source": {"s3": f"{LAKE}/evaluation/{RUN}/evaluation.json"},
            "path": ["regression_metrics", "rmse", "value"],
            "comparison": "below",
            "threshold": "{{ params.max_rmse }}",
            "then": ["model"],
            "otherwise": ["rejected"],
        },
    )
    model = SageMakerModelOperator(
        task_id="model",
        config={
            "ModelName": f"{PREFIX}-abalone-re-dac4-{RUN}",
            "PrimaryContainer": {"Image": IMAGE, "ModelDataUrl": MODEL_ARTIFACT},
            "ExecutionRoleArn": ROLE,
            "Tags": tags("model"),
        },
    )
    endpoint_config = f"{PREFIX}-abalone-re-1a5a-{RUN}"
    deploy = SageMakerEndpointOperator(
        task_id="deploy",
        config={
            "EndpointConfig": {
                "EndpointConfigName": endpoint_config,
                "ProductionVariants": [
                    {
                        "VariantName": "AllTraffic",
                        "ModelName": "{{ ti.xcom_pull(task_ids='model')['Model']['ModelName'] }}",
                        "InitialInstanceCount": 1,
                        "InstanceType": "ml.m5.large",
                        "InitialVariantWeight": 1,
                    }
                ],
                "DataCaptureConfig": {
                    "EnableCapture": True,
                    "InitialSamplingPercentage": 20,
                    "DestinationS3Uri": f"{LAKE}/endpoint-capture/",
                    "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
                },
                "Tags": tags("deploy"),
            },
            "Endpoint": {
                "EndpointName": f"{PREFIX}-abalone",
                "EndpointConfigName": endpoint_config,
                "Tags": tags("deploy"),
            },
        },
        operation="create",
        wait_for_completion=True,
    )
    rejected = SnsPublishOperator(
        task_id="rejected",
        target_arn=TOPIC,
        subject="abalone model rejected",
        message="The model trained on {{ ds }} missed the RMSE target of {{ params.max_rmse }}; "
        "the endpoint keeps its current model.",
    )
    end = EmptyOperator(task_id="end", trigger_rule="none_failed_min_one_success")

    crawl >> preprocess >> check_splits >> train >> evaluate >> gate >> [model, rejected]
    model >> deploy
    [deploy, rejected] >> end
