// One MWAA environment through @aws-sdk/client-mwaa: GetEnvironment, and the Airflow CLI through
// CreateCliToken and `POST https://<web server>/aws_mwaa/cli` (body: the command line, as
// text/plain; answer: JSON with base64 `stdout` and `stderr`), and CreateWebLoginToken for the
// UI. The same code runs against AWS and against an MWAA-compatible endpoint (`--endpoint`, e.g.
// the one `dagspec up` serves): there the web server is reached with the endpoint's scheme.

import {
  CreateCliTokenCommand,
  CreateWebLoginTokenCommand,
  GetEnvironmentCommand,
  MWAAClient,
  type Environment,
} from "@aws-sdk/client-mwaa";
import type { AirflowTarget } from "../compiler/ir";
import { ALLOWED_COMMANDS, ALLOWED_SOURCE, allowedCommand, targetOf } from "./allowed";
import { OpsError } from "./backend";
import { commandLine } from "./shell-words";

export interface MwaaTarget {
  environment: string;
  region: string;
  /** An MWAA-compatible endpoint instead of AWS's (`api.` and `env.` host prefixes are not added). */
  endpoint?: string;
}

export interface CliOutput {
  stdout: string;
  stderr: string;
}

/** The web login URL form of the MWAA user guide ("Creating an Apache Airflow web login token"). */
export function webLoginUrl(scheme: string, host: string, token: string): string {
  return `${scheme}://${host}/aws_mwaa/aws-console-sso?login=true#${token}`;
}

export class MwaaEnvironment {
  private constructor(
    readonly target: MwaaTarget,
    private readonly client: MWAAClient,
    readonly info: Environment,
    readonly airflow: AirflowTarget,
  ) {}

  static client(target: MwaaTarget): MWAAClient {
    return new MWAAClient({
      region: target.region,
      ...(target.endpoint ? { endpoint: target.endpoint, disableHostPrefix: true } : {}),
      maxAttempts: 3,
    });
  }

  /** Reads the environment; fails unless it is AVAILABLE and runs an Airflow dagspec knows. */
  static async open(target: MwaaTarget): Promise<MwaaEnvironment> {
    const client = MwaaEnvironment.client(target);
    const out = await call(target, () =>
      client.send(new GetEnvironmentCommand({ Name: target.environment })),
    );
    const info = out.Environment ?? {};
    if (info.Status !== "AVAILABLE") {
      throw new OpsError(
        "not-available",
        `MWAA environment ${target.environment} is ${info.Status ?? "in an unknown state"}, not AVAILABLE; ` +
          "its Airflow CLI and UI answer only when it is",
      );
    }
    const airflow = targetOf(info.AirflowVersion ?? "");
    if (!airflow) {
      throw new OpsError(
        "service",
        `MWAA environment ${target.environment} runs Airflow ${info.AirflowVersion ?? "(unknown)"}; dagspec operates 2.10.x and 3.0.x`,
      );
    }
    return new MwaaEnvironment(target, client, info, airflow);
  }

  get description(): string {
    const where = this.target.endpoint ? `at ${this.target.endpoint}` : `in ${this.target.region}`;
    return `MWAA environment ${this.target.environment} (Airflow ${this.info.AirflowVersion}) ${where}`;
  }

  private get scheme(): string {
    return this.target.endpoint ? new URL(this.target.endpoint).protocol.replace(":", "") : "https";
  }

  /**
   * Runs one Airflow CLI command. A command MWAA does not allow for this Airflow version is
   * refused here, before it is sent, naming what is allowed.
   */
  async cli(words: readonly string[]): Promise<CliOutput> {
    const allowed = allowedCommand(this.airflow, words);
    if (!allowed) {
      throw new OpsError(
        "not-allowed",
        `MWAA's Airflow CLI endpoint does not run \`airflow ${words.slice(0, 2).join(" ")}\` on Airflow ` +
          `${this.info.AirflowVersion} (${ALLOWED_SOURCE}); it runs: ${ALLOWED_COMMANDS[this.airflow].join(", ")}`,
      );
    }
    const token = await call(this.target, () =>
      this.client.send(new CreateCliTokenCommand({ Name: this.target.environment })),
    );
    const url = `${this.scheme}://${token.WebServerHostname}/aws_mwaa/cli`;
    return postCli(url, token.CliToken ?? "", commandLine(words));
  }

  async webLogin(): Promise<string> {
    const out = await call(this.target, () =>
      this.client.send(new CreateWebLoginTokenCommand({ Name: this.target.environment })),
    );
    return webLoginUrl(this.scheme, out.WebServerHostname ?? "", out.WebToken ?? "");
  }
}

/** The CLI endpoint's request and response, as the MWAA user guide shows them. */
export async function postCli(url: string, token: string, line: string): Promise<CliOutput> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "text/plain" },
      body: line,
    });
  } catch (e) {
    throw new OpsError("service", `cannot reach the Airflow web server at ${url}: ${cause(e)}`);
  }
  const text = await response.text();
  if (!response.ok) {
    const detail = firstLine(text) || response.statusText;
    const kind = response.status === 400 || response.status === 403 ? "not-allowed" : "service";
    throw new OpsError(
      kind,
      `the Airflow CLI endpoint refused \`${line}\` (HTTP ${response.status}): ${detail}`,
    );
  }
  let body: { stdout?: unknown; stderr?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new OpsError(
      "service",
      `the Airflow CLI endpoint answered something else than JSON: ${firstLine(text)}`,
    );
  }
  const decode = (v: unknown) =>
    typeof v === "string" ? Buffer.from(v, "base64").toString("utf8") : "";
  return { stdout: decode(body.stdout), stderr: decode(body.stderr) };
}

/** Runs one AWS call, turning the SDK's errors a user can act on into one-line OpsErrors. */
export async function call<T>(target: MwaaTarget, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (e) {
    throw awsError(target, e);
  }
}

export function awsError(target: MwaaTarget, e: unknown): OpsError {
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const where = target.endpoint ?? target.region;
  switch (err.name) {
    case "CredentialsProviderError":
      return new OpsError(
        "no-credentials",
        "no AWS credentials: the SDK's default chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO, ...) found none; " +
          "sign in (aws sso login) or export credentials (any values do for a local endpoint)",
      );
    case "ResourceNotFoundException":
      return new OpsError(
        "unknown-environment",
        `no MWAA environment ${target.environment} ${target.endpoint ? "at" : "in"} ${where} (pass --env NAME and --region)`,
      );
    case "AccessDeniedException":
      return new OpsError("service", `access denied by ${where}: ${firstLine(err.message ?? "")}`);
  }
  const code = (e as { code?: string }).code ?? (e as { cause?: { code?: string } }).cause?.code;
  if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return new OpsError("service", `cannot reach the MWAA API at ${where} (${code})`);
  }
  if (e instanceof OpsError) return e;
  return new OpsError(
    "service",
    `${where}: ${err.name ?? "error"}: ${firstLine(err.message ?? String(e))}`,
  );
}

function cause(e: unknown): string {
  const c = (e as { cause?: { code?: string; message?: string } }).cause;
  return c?.code ?? c?.message ?? (e as Error).message;
}

export function firstLine(s: string): string {
  return (s.split("\n").find((l) => l.trim()) ?? "").trim().slice(0, 300);
}
