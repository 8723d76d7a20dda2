// The pure parts of the operations layer: command-line quoting, the approval Variable's name,
// task log stream names, following a run from task snapshots, and finding the environment.

import { expect } from "chai";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { StackNames } from "../../infra/naming";
import { approvalKey, jsonRows } from "../../ops/airflow-backend";
import type { TaskInfo } from "../../ops/backend";
import { taskDiffer } from "../../ops/follow";
import { parseConf } from "../../ops/main";
import { commandLine, splitWords } from "../../ops/shell-words";
import { resolveTarget } from "../../ops/target";
import { eventLines, logGroupName, taskStreamName } from "../../ops/task-logs";
import type { TaskEvent } from "../../runner/airflow";
import { ROOT } from "../helpers";

describe("command lines for the CLI endpoint", () => {
  it("split back into the words they were made of, whatever the words hold", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 6 }),
        (words) => {
          expect(splitWords(commandLine(words))).to.deep.equal(words);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("split as a shell does the single-quoted JSON of the MWAA guide's example", () => {
    expect(splitWords(`dags trigger my_dag -c '{"key":"value"}'`)).to.deep.equal([
      "dags",
      "trigger",
      "my_dag",
      "-c",
      '{"key":"value"}',
    ]);
  });
});

describe("the approval Variable", () => {
  it("is named as dagspec_runtime.approval_key names it", () => {
    const ids: [string, string][] = [
      ["model-review", "manual__2026-01-02T03:04:05+00:00"],
      ["a-b-c", "scheduled__2026-01-02T03:04:05.123456+00:00"],
      ["x", "dagspec run ü/é"],
    ];
    const py = `import json, sys; sys.path.insert(0, sys.argv[1]); from dagspec_runtime import approval_key; print(json.dumps([approval_key(d, r) for d, r in json.loads(sys.argv[2])]))`;
    const out = execFileSync(
      "python3",
      ["-c", py, path.join(ROOT, "compiler", "runtime"), JSON.stringify(ids)],
      {
        encoding: "utf8",
      },
    );
    expect(ids.map(([d, r]) => approvalKey(d, r))).to.deep.equal(JSON.parse(out) as string[]);
  });
});

describe("task logs in CloudWatch Logs", () => {
  it("are one stream per try named by Airflow's log_filename_template, : written as _", () => {
    expect(
      taskStreamName("model-review", "manual__2026-01-02T03:04:05+00:00", "train", 2),
    ).to.equal(
      "dag_id=model-review/run_id=manual__2026-01-02T03_04_05+00_00/task_id=train/attempt=2.log",
    );
    expect(logGroupName("arn:aws:logs:eu-west-1:123456789012:log-group:airflow-x-Task:*")).to.equal(
      "airflow-x-Task",
    );
  });

  it("show Airflow 3's JSON events as text lines and Airflow 2's text as it is", () => {
    expect(
      eventLines('{"timestamp":"2026-01-01T00:00:00Z","level":"info","event":"run approved"}'),
    ).to.deep.equal(["[2026-01-01T00:00:00Z info] run approved"]);
    expect(eventLines("[2026-01-01] INFO - a\nb\n")).to.deep.equal(["[2026-01-01] INFO - a", "b"]);
  });
});

describe("the JSON a command prints", () => {
  it("is found after Airflow's log lines, which also start with a bracket", () => {
    const stdout =
      '[2026-12-02T01:44:25.727+0000] {__init__.py:43} INFO - Loaded\n[{"dag_run_id": "r1"}]\n';
    expect(jsonRows({ stdout, stderr: "" }, "x")).to.deep.equal([{ dag_run_id: "r1" }]);
    expect(jsonRows({ stdout: "No data found\n", stderr: "" }, "x")).to.deep.equal([]);
    expect(() =>
      jsonRows(
        { stdout: "", stderr: "Traceback\nairflow.exceptions.DagRunAlreadyExists: r1\n" },
        "dags trigger p",
      ),
    ).to.throw("dags trigger p failed: airflow.exceptions.DagRunAlreadyExists: r1");
  });
});

describe("following a run from task snapshots", () => {
  const snap = (state: string, start?: string, end?: string): TaskInfo[] => [
    { task: "t", state, ...(start ? { start } : {}), ...(end ? { end } : {}) },
  ];

  it("prints a start and an end per try, counts retries, and one wait per sensor", () => {
    const events: TaskEvent[] = [];
    const waits: string[] = [];
    const diff = taskDiffer(
      "d",
      (e) => events.push(e),
      (t) => waits.push(t.task),
    );
    diff(snap("scheduled"));
    diff(snap("running", "2026-01-01T00:00:00Z"));
    diff(snap("up_for_retry", "2026-01-01T00:00:00Z", "2026-01-01T00:00:05Z"));
    diff(snap("queued"));
    // A poll that missed the second try's running state still sees its start.
    diff(snap("up_for_reschedule", "2026-01-01T00:01:00Z"));
    diff(snap("queued"));
    diff(snap("running", "2026-01-01T00:01:00Z"));
    const tries = diff(snap("success", "2026-01-01T00:01:00Z", "2026-01-01T00:02:00Z"));
    expect(events.map((e) => [e.event, e.try, e.state, e.time])).to.deep.equal([
      ["running", 1, "running", 1767225600],
      ["failed", 1, "up_for_retry", 1767225605],
      ["running", 2, "up_for_reschedule", 1767225660],
      ["success", 2, "success", 1767225720],
    ]);
    expect(waits).to.deep.equal(["t"]);
    expect(tries.get("t")).to.equal(2);
  });
});

describe("--conf", () => {
  it("reads values as JSON when they parse, else as text", () => {
    expect(parseConf(["a=1", "b=true", "c=x=y", 'd={"k":[1]}', "e="])).to.deep.equal({
      a: 1,
      b: true,
      c: "x=y",
      d: { k: [1] },
      e: "",
    });
  });
});

describe("which environment the commands operate", () => {
  const folder = (stacks: Record<string, string>) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dagspec-target-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: dagspec\nruntime: nodejs\n");
    for (const [stack, text] of Object.entries(stacks))
      fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), text);
    return dir;
  };

  it("is the environment the only stack in the folder creates, in its region", () => {
    const root = folder({ dev: "config:\n  aws:region: eu-west-1\n" });
    expect(resolveTarget({ root })).to.deep.equal({
      environment: new StackNames({ project: "dagspec", stack: "dev" }).mwaaEnvironment(),
      region: "eu-west-1",
      from: "stack dev (Pulumi.dev.yaml)",
    });
  });

  it("is the named stack's when there are several, and --env and --region win", () => {
    const root = folder({
      dev: "config:\n  aws:region: eu-west-1\n",
      prod: "config:\n  aws:region: us-east-2\n",
    });
    expect(() => resolveTarget({ root })).to.throw(
      /several stacks .*Pulumi.dev.yaml, Pulumi.prod.yaml.*--stack NAME/,
    );
    expect(resolveTarget({ root, stack: "prod" })).to.include({
      environment: "dagspec-prod",
      region: "us-east-2",
    });
    expect(resolveTarget({ root, stack: "prod", region: "eu-central-1" })).to.include({
      region: "eu-central-1",
    });
    expect(resolveTarget({ root, env: "other", endpoint: "http://127.0.0.1:1" })).to.deep.equal({
      environment: "other",
      endpoint: "http://127.0.0.1:1",
      from: "--env",
    });
  });

  it("matches the stack's environmentName for this repository's dev stack", () => {
    expect(resolveTarget({ root: ROOT })).to.include({
      environment: "dagspec-dev",
      region: "eu-west-1",
    });
  });
});
