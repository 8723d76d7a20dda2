// The MWAA calls' requests and answers, against the local endpoint with a fake Airflow CLI (no
// Airflow): what the SDK sends and how the client reads what comes back, including each error
// a user can hit.

import { expect } from "chai";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { OpsError } from "../../ops/backend";
import { startLocalEndpoint, type LocalEndpoint } from "../../ops/local/endpoint";
import { opsMain } from "../../ops/main";
import { MwaaEnvironment, postCli } from "../../ops/mwaa";
import type { CliResult } from "../../ops/local/cli-worker";

const CREDENTIALS = { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" };

async function withEnv<T>(
  vars: Record<string, string | undefined>,
  fn: () => Promise<T>,
): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) Reflect.deleteProperty(process.env, k);
    else process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) Reflect.deleteProperty(process.env, k);
      else process.env[k] = v;
    }
  }
}

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await withEnv(CREDENTIALS, () =>
    opsMain(argv, { out: (s) => (out += s), err: (s) => (err += s) }),
  );
  return { code, out, err };
}

describe("the MWAA client against an MWAA-compatible endpoint", () => {
  let endpoint: LocalEndpoint;
  const received: string[][] = [];
  let answer: (argv: string[]) => CliResult = () => ({ stdout: "", stderr: "", code: 0 });

  before(async () => {
    endpoint = await startLocalEndpoint({
      name: "local",
      airflowVersion: "2.10.3",
      target: "2.10",
      region: "us-east-1",
      account: "123456789012",
      uiUrl: "http://127.0.0.1:1",
      taskLogGroup: "airflow-local-Task",
      logsEndpoint: "http://127.0.0.1:1",
      runCli: async (argv) => {
        received.push(argv);
        return answer(argv);
      },
      signIn: async () => ["session=abc; Path=/; HttpOnly; Domain=127.0.0.1"],
    });
  });
  after(() => endpoint.close());
  beforeEach(() => {
    received.length = 0;
    endpoint.setStatus("AVAILABLE");
  });

  const open = () =>
    withEnv(CREDENTIALS, () =>
      MwaaEnvironment.open({ environment: "local", region: "us-east-1", endpoint: endpoint.url }),
    );

  it("reads the environment with GetEnvironment and runs a command line through a CLI token", async () => {
    answer = () => ({ stdout: "out ✓\n", stderr: "warning\n", code: 0 });
    const env = await open();
    expect(env.airflow).to.equal("2.10");
    expect(env.description).to.equal(`MWAA environment local (Airflow 2.10.3) at ${endpoint.url}`);
    const out = await withEnv(CREDENTIALS, () =>
      env.cli(["dags", "trigger", "a-dag", "--conf", `{"k": "it's"}`]),
    );
    expect(out).to.deep.equal({ stdout: "out ✓\n", stderr: "warning\n" });
    // The command line survived quoting: the same words arrived.
    expect(received).to.deep.equal([["dags", "trigger", "a-dag", "--conf", `{"k": "it's"}`]]);
  });

  it("refuses a command that is not on MWAA's list without sending it", async () => {
    const env = await open();
    const e = await env.cli(["connections", "list"]).catch((x: unknown) => x);
    expect(e).to.be.instanceOf(OpsError);
    expect((e as OpsError).kind).to.equal("not-allowed");
    expect(received).to.deep.equal([]);
  });

  it("reads the base64 stdout and stderr of the CLI endpoint's JSON answer and reports refusals", async () => {
    const server = http.createServer((req, res) => {
      if (req.url === "/ok") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ stdout: Buffer.from("2.10.3\n").toString("base64"), stderr: "" }));
      } else if (req.url === "/refused") {
        res.writeHead(500);
        res.end("Internal Server Error\n");
      } else {
        res.writeHead(200, { "content-type": "text/html" });
        res.end("<html>sign in</html>");
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await postCli(`${base}/ok`, "t", "version")).to.deep.equal({
        stdout: "2.10.3\n",
        stderr: "",
      });
      const refused = (await postCli(`${base}/refused`, "t", "pools import x").catch(
        (e: unknown) => e,
      )) as OpsError;
      expect(refused.message).to.equal(
        "the Airflow CLI endpoint refused `pools import x` (HTTP 500): Internal Server Error",
      );
      const html = (await postCli(`${base}/html`, "t", "version").catch(
        (e: unknown) => e,
      )) as OpsError;
      expect(html.message).to.match(/answered something else than JSON: <html>/);
    } finally {
      server.close();
    }
  });

  it("rejects an unknown or expired CLI token", async () => {
    const e = (await postCli(`${endpoint.url}/aws_mwaa/cli`, "made-up", "version").catch(
      (x: unknown) => x,
    )) as OpsError;
    expect(e.message).to.match(/HTTP 403.*invalid or expired CLI token/);
  });

  it("builds the web login URL of the MWAA guide and signs in once per token", async () => {
    const env = await open();
    const url = await withEnv(CREDENTIALS, () => env.webLogin());
    const m = /^http:\/\/(127\.0\.0\.1:\d+)\/aws_mwaa\/aws-console-sso\?login=true#([\w-]+)$/.exec(
      url,
    );
    expect(m, url).to.not.equal(null);
    const login = `${endpoint.url}/aws_mwaa/login?token=${m![2]}`;
    const first = await fetch(login, { redirect: "manual" });
    expect(first.status).to.equal(302);
    expect(first.headers.get("location")).to.equal("http://127.0.0.1:1/");
    // The cookie is for the host, whatever the port: no Domain attribute left.
    expect(first.headers.getSetCookie()).to.deep.equal(["session=abc; Path=/; HttpOnly"]);
    expect((await fetch(login, { redirect: "manual" })).status).to.equal(403);
  });

  it("exits 2 with one line when the environment is not AVAILABLE", async () => {
    endpoint.setStatus("CREATING");
    const r = await run(["status", "p", "--endpoint", endpoint.url, "--env", "local"]);
    expect(r).to.deep.equal({
      code: 2,
      out: "",
      err: "dagspec status: MWAA environment local is CREATING, not AVAILABLE; its Airflow CLI and UI answer only when it is\n",
    });
  });

  it("exits 2 with one line for an unknown environment", async () => {
    const r = await run(["runs", "p", "--endpoint", endpoint.url, "--env", "prod"]);
    expect(r.code).to.equal(2);
    expect(r.err).to.equal(
      `dagspec runs: no MWAA environment prod at ${endpoint.url} (pass --env NAME and --region)\n`,
    );
  });

  it("exits 2 with one line for a pipeline the environment does not have", async () => {
    answer = () => ({
      stdout: "",
      stderr: "SystemExit: DAG: nope does not exist in 'dag' table\n",
      code: 1,
    });
    const r = await run(["runs", "nope", "--endpoint", endpoint.url, "--env", "local"]);
    expect(r.code).to.equal(2);
    expect(r.err).to.match(
      /^dagspec runs: local has no pipeline nope \(the specs here define [^\n]*\)\n$/,
    );
  });

  it("asks for the list-runs arguments of the environment's Airflow version", async () => {
    answer = () => ({ stdout: "No data found\n", stderr: "", code: 0 });
    const r = await run(["runs", "model-review", "--endpoint", endpoint.url, "--env", "local"]);
    expect(r.out).to.equal(
      `model-review has no runs on MWAA environment local (Airflow 2.10.3) at ${endpoint.url}\n`,
    );
    expect(received).to.deep.equal([["dags", "list-runs", "-d", "model-review", "-o", "json"]]);
  });

  it("rejects options a command does not take, in one line", async () => {
    const r = await run(["runs", "p", "--wait", "--env", "x"]);
    expect(r).to.deep.equal({
      code: 2,
      out: "",
      err: "dagspec runs: --wait does not go with runs\n",
    });
  });
});
