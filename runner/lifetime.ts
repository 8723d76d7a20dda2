// Child processes the runner starts, and stopping them whatever way the runner ends: normal
// return, failure, Ctrl-C (SIGINT) or SIGTERM. Each child runs in its own process group, so
// stopping it also stops what it started (Airflow's task processes, Spark's JVM).

import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";

export interface Child {
  name: string;
  process: ChildProcess;
  /** Resolves with the exit code (or 128 + signal number) when the process has exited. */
  exited: Promise<number>;
  stop(graceMs?: number): Promise<void>;
}

const children = new Set<Child>();
const cleanups: (() => Promise<void>)[] = [];
let handlersInstalled = false;
let stopping = false;

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

export function start(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions,
): Child {
  installHandlers();
  const process_ = spawn(command, args, { ...options, detached: true });
  const exited = new Promise<number>((resolve) => {
    process_.once("error", () => resolve(127));
    process_.once("exit", (code, signal) =>
      resolve(code ?? 128 + (signal ? (SIGNAL_NUMBERS[signal] ?? 1) : 1)),
    );
  });
  const child: Child = {
    name,
    process: process_,
    exited,
    async stop(graceMs = 10_000) {
      if (process_.exitCode === null && process_.signalCode === null) {
        signalGroup(process_, "SIGTERM");
        const timer = setTimeout(() => signalGroup(process_, "SIGKILL"), graceMs);
        await exited;
        clearTimeout(timer);
      }
      // Whatever the group's leader left behind (a task's Spark JVM) goes too.
      signalGroup(process_, "SIGKILL");
      children.delete(child);
    },
  };
  children.add(child);
  void exited.then(() => {
    if (!stopping) children.delete(child);
  });
  return child;
}

/** Whether the runner is stopping on a signal (children exiting now is expected). */
export function isStopping(): boolean {
  return stopping;
}

/** Runs `fn` when the runner stops on a signal (in reverse order of registration). */
export function onStop(fn: () => Promise<void>): () => void {
  installHandlers();
  cleanups.push(fn);
  return () => {
    const i = cleanups.indexOf(fn);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\ndagspec: ${signal}: stopping\n`);
    void (async () => {
      for (const fn of [...cleanups].reverse()) await fn().catch(() => undefined);
      await Promise.all([...children].map((c) => c.stop(5_000)));
      process.exit(signal === "SIGINT" ? 130 : 143);
    })();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // Last resort on any exit: no child outlives the runner.
  process.on("exit", () => {
    for (const c of children) signalGroup(c.process, "SIGKILL");
  });
}
