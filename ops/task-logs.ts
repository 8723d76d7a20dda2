// Task logs, read from CloudWatch Logs where MWAA writes them: the environment's task log group
// (LoggingConfiguration.TaskLogs), one stream per task try, named by Airflow's
// log_filename_template with ":" written as "_" (CloudWatch refuses ":" in stream names). Both
// MWAA's handler (amazon-mwaa-docker-images, images/airflow/*/python/mwaa/logging/
// cloudwatch_handlers.py, through the provider's CloudwatchTaskHandler._render_filename) and the
// Amazon provider's handler that `dagspec up` configures name them so:
//   dag_id=<dag>/run_id=<run>/task_id=<task>/attempt=<try>.log

import {
  CloudWatchLogsClient,
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { OpsError } from "./backend";
import { awsError, call, type MwaaTarget } from "./mwaa";

export function runStreamPrefix(dagId: string, runId: string): string {
  return `dag_id=${dagId}/run_id=${runId}/`.replace(/:/g, "_");
}

export function taskStreamName(
  dagId: string,
  runId: string,
  task: string,
  tryNumber: number,
): string {
  return `${runStreamPrefix(dagId, runId)}task_id=${task}/attempt=${tryNumber}.log`;
}

/** `arn:aws:logs:<region>:<account>:log-group:<name>[:*]` -> name */
export function logGroupName(arn: string): string {
  const m = /:log-group:([^:]+)(:\*)?$/.exec(arn);
  if (!m) throw new OpsError("service", `not a log group ARN: ${arn}`);
  return m[1]!;
}

const STREAM = /task_id=([^/]+)\/(?:map_index=\d+\/)?attempt=(\d+)\.log$/;

export class TaskLogs {
  private readonly client: CloudWatchLogsClient;

  constructor(
    private readonly target: MwaaTarget,
    readonly group: string,
  ) {
    this.client = new CloudWatchLogsClient({
      region: target.region,
      ...(target.endpoint ? { endpoint: target.endpoint } : {}),
      maxAttempts: 3,
    });
  }

  /** The highest try of each task of a run that has a log stream. */
  async tries(dagId: string, runId: string): Promise<Map<string, number>> {
    const tries = new Map<string, number>();
    let nextToken: string | undefined;
    do {
      const page = await call(this.target, () =>
        this.client.send(
          new DescribeLogStreamsCommand({
            logGroupName: this.group,
            logStreamNamePrefix: runStreamPrefix(dagId, runId),
            ...(nextToken ? { nextToken } : {}),
          }),
        ),
      );
      for (const s of page.logStreams ?? []) {
        const m = STREAM.exec(s.logStreamName ?? "");
        if (m) tries.set(m[1]!, Math.max(tries.get(m[1]!) ?? 0, Number(m[2])));
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return tries;
  }

  async read(dagId: string, runId: string, task: string, tryNumber: number): Promise<string[]> {
    const stream = taskStreamName(dagId, runId, task, tryNumber);
    const lines: string[] = [];
    let token: string | undefined;
    for (;;) {
      let page;
      try {
        page = await this.client.send(
          new GetLogEventsCommand({
            logGroupName: this.group,
            logStreamName: stream,
            startFromHead: true,
            ...(token ? { nextToken: token } : {}),
          }),
        );
      } catch (e) {
        if ((e as { name?: string }).name === "ResourceNotFoundException") {
          throw new OpsError(
            "no-log",
            `no log for try ${tryNumber} of ${task} in ${this.group} (stream ${stream})`,
          );
        }
        throw awsError(this.target, e);
      }
      for (const e of page.events ?? []) lines.push(...eventLines(e.message ?? ""));
      // GetLogEvents returns the same forward token once the end is reached.
      if (!page.nextForwardToken || page.nextForwardToken === token) break;
      token = page.nextForwardToken;
    }
    return lines;
  }
}

/**
 * Airflow 2 writes text lines; Airflow 3's handler writes one JSON object per event
 * ({"timestamp", "level", "event", ...}), shown here as text.
 */
export function eventLines(message: string): string[] {
  const text = message.replace(/\n$/, "");
  if (text.startsWith("{")) {
    try {
      const o = JSON.parse(text) as Record<string, unknown>;
      if (typeof o["event"] === "string") {
        const head = [o["timestamp"], o["level"]].filter((x) => typeof x === "string").join(" ");
        const extra =
          typeof o["error_detail"] === "object" ? ` ${JSON.stringify(o["error_detail"])}` : "";
        return [`${head ? `[${head}] ` : ""}${o["event"]}${extra}`];
      }
    } catch {
      // plain text that starts with a brace
    }
  }
  return text.split("\n");
}
