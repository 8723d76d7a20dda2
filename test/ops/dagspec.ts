// Running `dagspec` as a user would, for the operations tests: a child process, its output and
// exit code, and `dagspec up` with its MWAA-compatible endpoint.

import { spawn, type ChildProcess } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "../helpers";

export const BIN = path.join(ROOT, "bin", "dagspec");

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a shell with AWS credentials (any values do for a local endpoint). */
export function withCredentials(): NodeJS.ProcessEnv {
  return {
    ...withoutCredentials(),
    AWS_ACCESS_KEY_ID: "dagspec-test",
    AWS_SECRET_ACCESS_KEY: "dagspec-test",
    AWS_REGION: "us-east-1",
  };
}

/**
 * A shell where the SDK's default chain finds no credentials: no AWS variables, no shared
 * config or credentials file (pointed at a file that does not exist), no instance role.
 */
export function withoutCredentials(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_")),
  );
  const none = path.join(os.tmpdir(), "dagspec-no-such-aws-file");
  return {
    ...env,
    AWS_SHARED_CREDENTIALS_FILE: none,
    AWS_CONFIG_FILE: none,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
}

export function dagspec(
  args: readonly string[],
  env: NodeJS.ProcessEnv = withCredentials(),
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A running process whose output is collected as it comes. */
export class Running {
  stdout = "";
  stderr = "";
  readonly exited: Promise<number | null>;
  constructor(readonly child: ChildProcess) {
    child.stdout!.on("data", (d: Buffer) => (this.stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((r) => child.on("close", (code) => r(code)));
  }

  /** Waits until the output matches, failing if the process exits first. */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = pattern.exec(this.stdout);
      if (m) return m;
      if (this.child.exitCode !== null) {
        throw new Error(
          `exited (${this.child.exitCode}) before ${pattern}:\n${this.stdout}\n${this.stderr}`,
        );
      }
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${pattern}:\n${this.stdout}\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

export function startDagspec(
  args: readonly string[],
  env: NodeJS.ProcessEnv = withCredentials(),
): Running {
  return new Running(spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env }));
}

/** Rows of a printed task table: task -> [state, tries]. */
export function taskRows(stdout: string): Map<string, [string, number]> {
  const lines = stdout.split("\n");
  const start = lines.findIndex((l) => /^task\s+state\s+tries\s+duration$/.test(l));
  const rows = new Map<string, [string, number]>();
  if (start < 0) return rows;
  for (const line of lines.slice(start + 2)) {
    const m = /^(\S+)\s+(\S+(?: run)?)\s+(\d+)\s+\S+$/.exec(line);
    if (!m) break;
    rows.set(m[1]!, [m[2]!, Number(m[3])]);
  }
  return rows;
}
