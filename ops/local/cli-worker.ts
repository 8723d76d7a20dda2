// The Node side of ops/local/cli_worker.py: one Python process with Airflow imported, running
// one command at a time (MWAA's guide asks callers not to send a CLI request before the last one
// finished; a queue here keeps SQLite free of concurrent CLI writers too).

import * as fs from "node:fs";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { packageRoot } from "../../cli/paths";
import { start, type Child } from "../../runner/lifetime";

export interface CliResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface CliWorker {
  run(argv: readonly string[]): Promise<CliResult>;
  stop(): Promise<void>;
}

export async function startCliWorker(o: {
  python: string;
  env: NodeJS.ProcessEnv;
  log: string;
}): Promise<CliWorker> {
  const fd = fs.openSync(o.log, "a");
  const child: Child = start(
    "airflow CLI worker",
    o.python,
    [path.join(packageRoot(), "ops", "local", "cli_worker.py")],
    {
      env: o.env,
      stdio: ["pipe", "pipe", fd],
    },
  );
  fs.closeSync(fd);
  const waiting: ((line: string) => void)[] = [];
  const lines = createInterface({ input: child.process.stdout! });
  lines.on("line", (line) => waiting.shift()?.(line));
  const next = () =>
    new Promise<string>((resolve, reject) => {
      waiting.push(resolve);
      void child.exited.then((code) =>
        reject(new Error(`the Airflow CLI worker exited (${code}); see ${o.log}`)),
      );
    });
  await next(); // {"ready": true} once Airflow is imported
  let queue: Promise<unknown> = Promise.resolve();
  return {
    run(argv) {
      const result = queue.then(async () => {
        const answer = next();
        child.process.stdin!.write(JSON.stringify(argv) + "\n");
        return JSON.parse(await answer) as CliResult;
      });
      queue = result.catch(() => undefined);
      return result;
    },
    stop: () => child.stop(),
  };
}
