// `dagspec up`: moto with the manifest's resources, plus the Airflow UI and scheduler on
// 127.0.0.1, so runs can be triggered and watched in the browser as on MWAA. Runs until Ctrl-C
// (or SIGTERM), then stops everything it started.

import { randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pythonEnv } from "../cli/paths";
import {
  followEvents,
  newHome,
  newRunDir,
  progressPrinter,
  runnerEnv,
  templateDb,
  versionHome,
} from "./airflow";
import { isStopping, onStop, start, type Child } from "./lifetime";
import { freePort, startMoto } from "./moto";
import { imagePythons } from "./images";
import { compileFor, dagFolder } from "./compiled";
import type { RunOptions } from "./main";
import { missingVariables, planLocal, provision } from "./provision";
import {
  createTaskLogGroup,
  LOCAL_ENVIRONMENT,
  remoteLoggingEnv,
  serveLocalMwaa,
  type LocalMwaa,
} from "../ops/local/serve";

export const UP_USER = "admin";

export async function runUp(o: RunOptions): Promise<number> {
  const { result, target } = compileFor(o.root, o.target);
  const venvs = {
    airflow: pythonEnv(`airflow-${target}`),
    glue: pythonEnv("glue"),
    runner: pythonEnv("runner"),
    images: imagePythons(result.pipelines),
  };
  const home = versionHome(o.root, target);
  // moto starts empty, so Airflow does too (runs of an earlier `up` name resources gone now):
  // a new home each time, beside the runs', so two `up`s never share one.
  const dir = newRunDir(home, "up");
  const [template, moto] = await Promise.all([
    templateDb(venvs.airflow, home, (s) => process.stdout.write(s + "\n")),
    startMoto(venvs.runner, path.join(dir, "moto.log")),
  ]);
  const children: Child[] = [];
  let mwaa: LocalMwaa | undefined;
  const stopAll = async () => {
    await mwaa?.stop();
    await Promise.all(children.map((c) => c.stop()));
    await moto.stop();
  };
  const unregister = onStop(stopAll);
  try {
    const plan = planLocal(result, o.root);
    const missing = missingVariables(plan, result.dags);
    if (missing.length)
      throw new Error(
        `the DAGs read Airflow Variables the runner does not provide: ${missing.join(", ")}`,
      );
    await provision(plan, moto.endpoint);
    await createTaskLogGroup(moto.endpoint);
    newHome(o.root, dir, template);
    const dags = dagFolder(o.root, result.dags, path.join(dir, "dags"));
    const port = o.port ?? (await freePort());
    const password = randomBytes(9).toString("base64url");
    const events = path.join(dir, "events.jsonl");
    const env: NodeJS.ProcessEnv = {
      ...runnerEnv({
        root: o.root,
        home: dir,
        dags: dags.dir,
        endpoint: moto.endpoint,
        variables: plan.variables,
        glueVenv: venvs.glue,
        imagePythons: venvs.images,
        events,
        ...(o.retryDelay === undefined ? {} : { retryDelaySeconds: o.retryDelay }),
      }),
      // The executor starts each task as `airflow tasks run ...`, found on PATH.
      PATH: [path.join(venvs.airflow, "bin"), process.env.PATH]
        .filter(Boolean)
        .join(path.delimiter),
      AIRFLOW__WEBSERVER__WEB_SERVER_HOST: "127.0.0.1",
      AIRFLOW__WEBSERVER__WEB_SERVER_PORT: String(port),
      AIRFLOW__WEBSERVER__SECRET_KEY: randomBytes(16).toString("hex"),
      AIRFLOW__WEBSERVER__WORKERS: "2",
      AIRFLOW__WEBSERVER__EXPOSE_CONFIG: "False",
      AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL: "10",
      AIRFLOW__API__AUTH_BACKENDS: "airflow.api.auth.backend.session",
      // Task logs go to moto's CloudWatch Logs, as MWAA's go to CloudWatch: `dagspec logs`.
      ...remoteLoggingEnv(),
    };
    const airflow = path.join(venvs.airflow, "bin", "airflow");
    const log = (name: string) => fs.openSync(path.join(dir, `${name}.log`), "a");
    const spawn = (name: string, args: string[]) => {
      const fd = log(name);
      const child = start(`airflow ${name}`, airflow, args, { env, stdio: ["ignore", fd, fd] });
      fs.closeSync(fd);
      children.push(child);
      return child;
    };
    let url: string;
    let login: string;
    if (target === "2.10") {
      execFileSync(
        airflow,
        [
          "users",
          "create",
          "--username",
          UP_USER,
          "--password",
          password,
          "--role",
          "Admin",
          "--email",
          "admin@localhost",
          "--firstname",
          "Local",
          "--lastname",
          "Admin",
        ],
        { env, stdio: "ignore" },
      );
      // The webserver reads task logs from this machine's files: no log server on 0.0.0.0.
      spawn("scheduler", ["scheduler", "--skip-serve-logs"]);
      spawn("webserver", ["webserver", "--port", String(port), "--hostname", "127.0.0.1"]);
      url = `http://127.0.0.1:${port}`;
      login = `user ${UP_USER}, password ${password}`;
    } else {
      Object.assign(env, {
        AIRFLOW__API__HOST: "127.0.0.1",
        AIRFLOW__API__PORT: String(port),
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL: `http://127.0.0.1:${port}/execution/`,
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS: "True",
        AIRFLOW__API_AUTH__JWT_SECRET: randomBytes(16).toString("hex"),
      });
      spawn("scheduler", ["scheduler"]);
      spawn("dag-processor", ["dag-processor"]);
      // One worker: uvicorn's supervisor restarts workers that miss its few-second health
      // check, which starved workers on a loaded machine do, over and over.
      spawn("api-server", [
        "api-server",
        "--port",
        String(port),
        "--host",
        "127.0.0.1",
        "--workers",
        "1",
      ]);
      url = `http://127.0.0.1:${port}`;
      login = "no login (simple auth manager, every user is admin, 127.0.0.1 only)";
    }
    // The operations commands' endpoint answers at once, CREATING until Airflow is healthy.
    mwaa = await serveLocalMwaa({
      target,
      airflowVenv: venvs.airflow,
      env,
      dir,
      uiUrl: url,
      motoEndpoint: moto.endpoint,
      ...(target === "2.10" ? { login: { user: UP_USER, password } } : {}),
    });
    await waitForHealth(
      `${url}/${target === "2.10" ? "health" : "api/v2/monitor/health"}`,
      children,
    );
    mwaa.endpoint.setStatus("AVAILABLE");
    const rel = path.relative(o.root, dir);
    process.stdout.write(
      `\nAirflow UI: ${url} (${login})\n` +
        `MWAA endpoint: ${mwaa.endpoint.url} (environment ${LOCAL_ENVIRONMENT})\n` +
        `moto: ${moto.endpoint}; Airflow home and logs: ${rel}/\n` +
        `DAGs start paused, as on a new MWAA environment: unpause one, then trigger it.\n` +
        `Ctrl-C stops Airflow and moto.\n\n`,
    );
    const width = Math.max(
      ...result.pipelines.flatMap((p) => p.tasks.map((t) => p.id.length + 1 + t.id.length)),
    );
    const follower = followEvents(
      events,
      progressPrinter((s) => process.stdout.write(s), { width, withDag: true }),
    );
    const exited = await Promise.race(children.map((c) => c.exited.then((code) => ({ c, code }))));
    follower.stop();
    if (isStopping()) await new Promise(() => undefined); // the signal handler exits
    process.stderr.write(`dagspec up: ${exited.c.name} exited (${exited.code}); stopping\n`);
    return 1;
  } finally {
    unregister();
    await stopAll();
  }
}

async function waitForHealth(url: string, children: Child[], timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const dead = children.find((c) => c.process.exitCode !== null);
    if (dead) throw new Error(`${dead.name} exited (${dead.process.exitCode}) while starting`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`Airflow did not answer ${url} within ${timeoutMs / 1000} s`);
}
