// The AWS stand-in: moto in server mode on a free 127.0.0.1 port, configured for the
// pipelines, stopped whatever way the runner ends.

import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { start, type Child } from "./lifetime";

export const REGION = "us-east-1";
/** moto's default account. */
export const ACCOUNT_ID = "123456789012";
/** moto accepts any credentials; these only have to be present. */
export const CREDENTIALS = { accessKeyId: "dagspec-local", secretAccessKey: "dagspec-local" };

export interface Moto {
  endpoint: string;
  port: number;
  log: string;
  stop(): Promise<void>;
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts moto_server from the runner's virtualenv and configures it. */
export async function startMoto(venv: string, logFile: string): Promise<Moto> {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  let lastError: unknown;
  // A port can be taken between freePort() and moto's bind: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const out = fs.openSync(logFile, "a");
    const child = start(
      "moto",
      path.join(venv, "bin", "moto_server"),
      ["-H", "127.0.0.1", "-p", String(port)],
      {
        stdio: ["ignore", out, out],
      },
    );
    fs.closeSync(out);
    const endpoint = `http://127.0.0.1:${port}`;
    try {
      await waitUntilUp(endpoint, child);
      await configure(endpoint);
      return motoHandle(endpoint, port, logFile, child);
    } catch (e) {
      lastError = e;
      await child.stop();
    }
  }
  throw new Error(`moto did not start (log: ${logFile}): ${String(lastError)}`);
}

async function waitUntilUp(endpoint: string, child: Child, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error("moto_server exited");
    try {
      const r = await fetch(`${endpoint}/moto-api/config`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not answer within ${timeoutMs / 1000} s`);
}

/**
 * moto's settings for these pipelines, set before any resource exists: Lambda functions run
 * without Docker (a function created before this would keep wanting Docker), and a Glue crawl
 * finishes as soon as it starts.
 */
async function configure(endpoint: string): Promise<void> {
  await post(`${endpoint}/moto-api/config`, {
    batch: { use_docker: false },
    lambda: { use_docker: false },
  });
  await post(`${endpoint}/moto-api/state-manager/set-transition`, {
    model_name: "glue::crawl",
    transition: { progression: "immediate" },
  });
}

async function post(url: string, body: unknown): Promise<void> {
  const r = await fetch(url, { method: "POST", body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`POST ${url}: HTTP ${r.status} ${await r.text()}`);
}

function motoHandle(endpoint: string, port: number, log: string, child: Child): Moto {
  return {
    endpoint,
    port,
    log,
    stop: () => child.stop(),
  };
}
