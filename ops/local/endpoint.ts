// An MWAA-compatible endpoint for the local Airflow of `dagspec up`, on 127.0.0.1: the MWAA API
// calls the operations commands make (GetEnvironment, CreateCliToken, CreateWebLoginToken, in
// the REST-JSON shapes of @aws-sdk/client-mwaa), the web server's CLI endpoint (`POST
// /aws_mwaa/cli`) and web login (`/aws_mwaa/aws-console-sso?login=true#<token>`), and CloudWatch
// Logs calls passed on to moto, where the local Airflow writes task logs. The CLI endpoint runs
// only what MWAA runs for the environment's Airflow version (ops/allowed.ts), refusing the rest
// before anything runs.

import { randomBytes } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { AirflowTarget } from "../../compiler/ir";
import { ALLOWED_SOURCE, allowedCommand } from "../allowed";
import { ShellWordsError, splitWords } from "../shell-words";
import type { CliResult } from "./cli-worker";

/** MWAA's CLI and web login tokens are valid for 60 seconds (MWAA user guide). */
export const TOKEN_SECONDS = 60;

export interface LocalEnvironment {
  name: string;
  airflowVersion: string;
  target: AirflowTarget;
  region: string;
  account: string;
  /** The local Airflow UI, where a web login ends. */
  uiUrl: string;
  taskLogGroup: string;
  /** Where CloudWatch Logs calls go (moto). */
  logsEndpoint: string;
  runCli(argv: string[]): Promise<CliResult>;
  /** Cookies that sign a browser in to the UI (none where the UI needs no sign-in). */
  signIn(): Promise<string[]>;
}

export interface LocalEndpoint {
  url: string;
  port: number;
  setStatus(status: "CREATING" | "AVAILABLE"): void;
  close(): Promise<void>;
}

class Tokens {
  private readonly expiry = new Map<string, number>();
  issue(): string {
    const token = randomBytes(24).toString("base64url");
    this.expiry.set(token, Date.now() + TOKEN_SECONDS * 1000);
    return token;
  }
  valid(token: string, consume: boolean): boolean {
    const until = this.expiry.get(token);
    if (consume) this.expiry.delete(token);
    return until !== undefined && until > Date.now();
  }
}

function json(res: http.ServerResponse, status: number, body: unknown, errorType?: string): void {
  res.writeHead(status, {
    "content-type": "application/json",
    ...(errorType ? { "x-amzn-errortype": errorType } : {}),
  });
  res.end(JSON.stringify(body));
}

function awsError(res: http.ServerResponse, status: number, type: string, message: string): void {
  json(res, status, { message }, type);
}

async function body(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export function startLocalEndpoint(env: LocalEnvironment, port = 0): Promise<LocalEndpoint> {
  let status: "CREATING" | "AVAILABLE" = "CREATING";
  const cliTokens = new Tokens();
  const webTokens = new Tokens();
  let host = "";

  const environment = () => ({
    Name: env.name,
    Arn: `arn:aws:airflow:${env.region}:${env.account}:environment/${env.name}`,
    Status: status,
    AirflowVersion: env.airflowVersion,
    WebserverUrl: host,
    WebserverAccessMode: "PRIVATE_ONLY",
    LoggingConfiguration: {
      TaskLogs: {
        Enabled: true,
        LogLevel: "INFO",
        CloudWatchLogGroupArn: `arn:aws:logs:${env.region}:${env.account}:log-group:${env.taskLogGroup}`,
      },
    },
  });

  const api = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    route: string,
    name: string,
  ) => {
    // The SDK signs every call; a request without a signature has no credentials behind it.
    if (!/^AWS4-HMAC-SHA256 Credential=/.test(req.headers.authorization ?? "")) {
      return awsError(
        res,
        403,
        "AccessDeniedException",
        "the request is not signed with AWS credentials",
      );
    }
    if (name !== env.name) {
      return awsError(res, 404, "ResourceNotFoundException", `Environment ${name} not found`);
    }
    if (route === "environments" && req.method === "GET")
      return json(res, 200, { Environment: environment() });
    if (status !== "AVAILABLE") {
      return awsError(res, 400, "ValidationException", `Environment ${name} is ${status}`);
    }
    if (route === "clitoken" && req.method === "POST") {
      return json(res, 200, { CliToken: cliTokens.issue(), WebServerHostname: host });
    }
    if (route === "webtoken" && req.method === "POST") {
      return json(res, 200, {
        WebToken: webTokens.issue(),
        WebServerHostname: host,
        IamIdentity: `arn:aws:iam::${env.account}:user/local`,
        AirflowIdentity: "admin",
      });
    }
    awsError(res, 404, "UnknownOperationException", `${req.method} /${route}/${name}`);
  };

  const cli = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
    if (!cliTokens.valid(token, false))
      return json(res, 403, { error: "invalid or expired CLI token" });
    const line = (await body(req)).toString("utf8");
    let words: string[];
    try {
      words = splitWords(line);
    } catch (e) {
      return json(res, 400, { error: (e as ShellWordsError).message });
    }
    if (!allowedCommand(env.target, words)) {
      return json(res, 400, {
        error: `Command not allowed on Airflow ${env.airflowVersion}: ${words.slice(0, 2).join(" ")} (${ALLOWED_SOURCE})`,
      });
    }
    const result = await env.runCli(words);
    json(res, 200, {
      stdout: Buffer.from(result.stdout).toString("base64"),
      stderr: Buffer.from(result.stderr).toString("base64"),
    });
  };

  const webLogin = async (url: URL, res: http.ServerResponse): Promise<void> => {
    if (url.pathname === "/aws_mwaa/aws-console-sso") {
      // The token is in the fragment, which browsers never send: the page hands it over.
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(
        "<!doctype html><title>Signing in</title><script>" +
          "location.replace('/aws_mwaa/login?token=' + encodeURIComponent(location.hash.slice(1)))" +
          "</script>",
      );
      return;
    }
    const token = url.searchParams.get("token") ?? "";
    if (!webTokens.valid(token, true)) {
      res.writeHead(403, { "content-type": "text/plain" });
      res.end(
        "This sign-in link is not valid (each works once, for 60 seconds): run dagspec ui again.\n",
      );
      return;
    }
    // Cookies are per host, not per port: set here, the browser sends them to the UI too.
    const cookies = (await env.signIn()).map((c) => c.replace(/;\s*Domain=[^;]*/i, ""));
    res.writeHead(302, { location: `${env.uiUrl}/`, "set-cookie": cookies });
    res.end();
  };

  const logs = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(
        ([k]) => !["host", "connection", "content-length", "transfer-encoding"].includes(k),
      ),
    ) as Record<string, string>;
    const answer = await fetch(`${env.logsEndpoint}${req.url ?? "/"}`, {
      method: req.method ?? "POST",
      headers,
      body: await body(req),
    });
    res.writeHead(answer.status, {
      "content-type": answer.headers.get("content-type") ?? "application/json",
    });
    res.end(Buffer.from(await answer.arrayBuffer()));
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const handle = async () => {
      if (String(req.headers["x-amz-target"] ?? "").startsWith("Logs_")) return logs(req, res);
      const m = /^\/(environments|clitoken|webtoken)\/([^/]+)$/.exec(url.pathname);
      if (m) return api(req, res, m[1]!, decodeURIComponent(m[2]!));
      if (url.pathname === "/aws_mwaa/cli" && req.method === "POST") return cli(req, res);
      if (url.pathname === "/aws_mwaa/aws-console-sso" || url.pathname === "/aws_mwaa/login") {
        return webLogin(url, res);
      }
      json(res, 404, { error: `no ${req.method} ${url.pathname} here` });
    };
    handle().catch((e: unknown) => {
      if (!res.headersSent) json(res, 500, { error: String((e as Error).message ?? e) });
      else res.end();
    });
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const { port: bound } = server.address() as AddressInfo;
      host = `127.0.0.1:${bound}`;
      resolve({
        url: `http://${host}`,
        port: bound,
        setStatus: (s) => (status = s),
        close: () =>
          new Promise((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
