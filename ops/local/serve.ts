// What `dagspec up` adds for the operations commands: task logs in moto's CloudWatch Logs, as
// MWAA writes them (Airflow's own CloudWatch task handler, remote logging), and the
// MWAA-compatible endpoint on 127.0.0.1 in front of the local Airflow.

import * as path from "node:path";
import { CloudWatchLogsClient, CreateLogGroupCommand } from "@aws-sdk/client-cloudwatch-logs";
import { MWAA_VERSIONS } from "../../compiler/config";
import type { AirflowTarget } from "../../compiler/ir";
import { mwaaLogGroupName } from "../../infra/naming";
import { ACCOUNT_ID, CREDENTIALS, REGION } from "../../runner/moto";
import { startCliWorker, type CliWorker } from "./cli-worker";
import { startLocalEndpoint, type LocalEndpoint } from "./endpoint";
import { fabSignIn } from "./sign-in";

/** The name `--env` takes for the environment of `dagspec up`. */
export const LOCAL_ENVIRONMENT = "local";

export const localTaskLogGroup = () => mwaaLogGroupName(LOCAL_ENVIRONMENT, "Task");

/** Airflow settings that send task logs to the local task log group in moto. */
export function remoteLoggingEnv(): NodeJS.ProcessEnv {
  const arn = `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:${localTaskLogGroup()}`;
  return {
    AIRFLOW__LOGGING__REMOTE_LOGGING: "True",
    AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER: `cloudwatch://${arn}`,
    AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID: "aws_default",
  };
}

/** The task log group, created in moto as the stack creates MWAA's (infra/mwaa.ts). */
export async function createTaskLogGroup(motoEndpoint: string): Promise<void> {
  const logs = new CloudWatchLogsClient({
    region: REGION,
    endpoint: motoEndpoint,
    credentials: CREDENTIALS,
  });
  await logs.send(new CreateLogGroupCommand({ logGroupName: localTaskLogGroup() }));
}

export interface LocalMwaa {
  endpoint: LocalEndpoint;
  stop(): Promise<void>;
}

export async function serveLocalMwaa(o: {
  target: AirflowTarget;
  airflowVenv: string;
  env: NodeJS.ProcessEnv;
  dir: string;
  uiUrl: string;
  motoEndpoint: string;
  /** The UI's user and password where it has a sign-in (Airflow 2's FAB). */
  login?: { user: string; password: string };
}): Promise<LocalMwaa> {
  const worker: CliWorker = await startCliWorker({
    python: path.join(o.airflowVenv, "bin", "python"),
    env: o.env,
    log: path.join(o.dir, "mwaa-cli.log"),
  });
  try {
    const endpoint = await startLocalEndpoint({
      name: LOCAL_ENVIRONMENT,
      airflowVersion: MWAA_VERSIONS[o.target],
      target: o.target,
      region: REGION,
      account: ACCOUNT_ID,
      uiUrl: o.uiUrl,
      taskLogGroup: localTaskLogGroup(),
      logsEndpoint: o.motoEndpoint,
      runCli: (argv) => worker.run(argv),
      // Airflow 3's simple auth manager of `dagspec up` makes everyone admin: nothing to sign.
      signIn: async () => (o.login ? fabSignIn(o.uiUrl, o.login.user, o.login.password) : []),
    });
    return {
      endpoint,
      stop: async () => {
        await endpoint.close();
        await worker.stop();
      },
    };
  } catch (e) {
    await worker.stop();
    throw e;
  }
}
