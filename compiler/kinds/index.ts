// The catalog of task kinds. Adding a kind: a file in this folder, an Operation member in
// ir.ts, and an entry here; the validator, JSON Schema, docs and emitter pick it up.

import type { Operation } from "../ir";
import { approval } from "./approval";
import { empty } from "./empty";
import { glueCrawler } from "./glue-crawler";
import { glueJob } from "./glue-job";
import type { TaskKind } from "./kind";
import { lambdaInvoke } from "./lambda-invoke";
import { metricGate } from "./metric-gate";
import { notify } from "./notify";
import { python } from "./python";
import { sagemakerEndpoint } from "./sagemaker-endpoint";
import { sagemakerModel } from "./sagemaker-model";
import { sagemakerProcessing } from "./sagemaker-processing";
import { sagemakerRegister } from "./sagemaker-register";
import { sagemakerTraining } from "./sagemaker-training";
import { sagemakerTransform } from "./sagemaker-transform";
import { sensorS3 } from "./sensor-s3";
import { triggerDag } from "./trigger-dag";

// Each kind's argument type is its own; the catalog only needs to know the kind names.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const KINDS: { [K in Operation["kind"]]: TaskKind<K, any> } = {
  empty,
  "glue.crawler": glueCrawler,
  "glue.job": glueJob,
  python,
  "sagemaker.training": sagemakerTraining,
  "sagemaker.processing": sagemakerProcessing,
  "sagemaker.model": sagemakerModel,
  "sagemaker.transform": sagemakerTransform,
  "sagemaker.endpoint": sagemakerEndpoint,
  "sagemaker.register": sagemakerRegister,
  "lambda.invoke": lambdaInvoke,
  "sensor.s3": sensorS3,
  "metric.gate": metricGate,
  approval,
  notify,
  "trigger.dag": triggerDag,
};

export const KIND_NAMES = Object.keys(KINDS) as Operation["kind"][];

export function isKind(name: string): name is Operation["kind"] {
  return Object.prototype.hasOwnProperty.call(KINDS, name);
}
