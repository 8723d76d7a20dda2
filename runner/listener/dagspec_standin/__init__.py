"""Local stand-ins for the AWS work that moto accepts but does not do.

moto answers the AWS calls of the generated DAGs, but a Glue job run "succeeds" without running
its script, a crawler creates no table, and SageMaker jobs report Completed without outputs.
For a local run to do the pipeline's real work, the runner's listener
(`dagspec_standin.listener`) runs right before each task's execute(), in the task's process,
with the task's templates already rendered, and does that work against moto's S3:

- GlueCrawlerOperator: crawls the crawler's S3 targets (delimited text) and writes the table
  into moto's Glue catalog, as the crawler would (`glue.crawl`);
- GlueJobOperator: runs the job's script, read from where moto's job definition points, through
  glue-jobs/local/run_job.py on local PySpark, with its s3:// arguments mapped to local folders
  filled from moto and the outputs uploaded back (`glue.run_job`);
- SageMakerTrainingOperator with the XGBoost image: trains with the image's xgboost, in the
  image's Python, on the input channels and uploads model.tar.gz where SageMaker would, which
  is where moto's DescribeTrainingJob says the model is (`sagemaker.train`);
- SageMakerProcessingOperator with a `python3 <script>` entry point: downloads the inputs to
  their container paths (under a sandbox), runs the script in the image's Python and pins with
  nothing but those inputs, and uploads its outputs (`sagemaker.process`).

Then the operator itself runs unchanged against moto. If the stand-in fails, the task fails
with its message, as the AWS job would.
"""
