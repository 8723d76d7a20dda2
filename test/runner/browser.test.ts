// `dagspec up` in a browser: Debian's chromium, headless, driven by playwright-core. The
// abalone retraining DAG is listed, a click triggers it, and the run reaches success; then
// Ctrl-C (SIGINT) stops Airflow and moto.

import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { chromiumPath, ROOT, until } from "../helpers";

const DAG = "abalone-retrain";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

describe("dagspec up, in a browser", function () {
  this.timeout(900_000);
  let up: ChildProcess;
  let output = "";
  let context: BrowserContext;
  let page: Page;
  let url: string;
  let password: string;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "dagspec-chromium-"));

  before(async () => {
    const executablePath = chromiumPath();
    up = spawn(process.execPath, [path.join(ROOT, "bin", "dagspec"), "up"], { cwd: ROOT });
    up.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    up.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    [url, password] = await until("the Airflow UI", 300_000, async () => {
      const m = /Airflow UI: (\S+) \(user admin, password (\S+)\)/.exec(output);
      if (up.exitCode !== null) throw new Error(`dagspec up exited:\n${output}`);
      return m ? [m[1]!, m[2]!] : undefined;
    });
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    page = context.pages()[0] ?? (await context.newPage());
  });

  after(async () => {
    await context?.close();
    if (up && up.exitCode === null) up.kill("SIGKILL");
    fs.rmSync(profile, { recursive: true, force: true });
  });

  it("lists the DAG, starts a run on a trigger click, and the run reaches success", async () => {
    await page.goto(`${url}/login/`);
    await page.fill("input[name=username]", "admin");
    await page.fill("input[name=password]", password);
    await page.click("input[type=submit], button[type=submit]");
    // The scheduler parses the DAG folder shortly after it starts.
    await until("the DAG in the list", 120_000, async () => {
      await page.goto(`${url}/home`);
      return (await page.locator(`a[href*="/dags/${DAG}/grid"]`).count()) > 0 ? true : undefined;
    });

    await page.goto(`${url}/dags/${DAG}/grid`);
    // The DAG has params, so the trigger button opens Airflow's trigger form; its "unpause"
    // box is ticked (DAGs start paused, as on MWAA).
    await page.click('[aria-label="Trigger DAG"]');
    await page.waitForURL(/\/trigger/);
    expect(await page.isChecked("#unpause")).to.equal(true);
    await page.click('button[type=submit]:has-text("Trigger")');
    await page.locator(`text=Triggered ${DAG}`).first().waitFor({ timeout: 60_000 });

    const runs = async () => {
      const r = await page.request.get(`${url}/api/v1/dags/${DAG}/dagRuns`);
      const body = (await r.json()) as { dag_runs: { run_type: string; state: string }[] };
      // Unpausing also makes the scheduler start the latest @daily interval; the test follows
      // the run the click started.
      return body.dag_runs.filter((run) => run.run_type === "manual");
    };
    expect(await runs()).to.have.length(1);
    const state = await until("the run to finish", 600_000, async () => {
      const [run] = await runs();
      return run && ["success", "failed"].includes(run.state) ? run.state : undefined;
    });
    await page.goto(`${url}/dags/${DAG}/grid`);
    const home = /Airflow home and logs: (\S+)\//.exec(output)![1]!;
    await page.screenshot({ path: path.join(ROOT, home, "grid.png"), fullPage: true });
    expect(state, output).to.equal("success");
    // The runner followed the run in its terminal too.
    expect(output).to.match(new RegExp(`${DAG}\\.deploy\\s+success`));
  });

  it("stops Airflow and moto on Ctrl-C", async () => {
    const moto = /moto: (\S+);/.exec(output)![1]!;
    up.kill("SIGINT");
    const code = await new Promise<number | null>((r) =>
      up.exitCode !== null ? r(up.exitCode) : up.once("exit", r),
    );
    expect(code).to.equal(130);
    for (const endpoint of [url, moto]) {
      const answered = await fetch(endpoint).then(
        () => true,
        () => false,
      );
      expect(answered, endpoint).to.equal(false);
    }
  });
});
