// The compile a local run works from, and the DAG folder it runs.

import * as fs from "node:fs";
import * as path from "node:path";
import { compileProject, type CompileResult } from "../compiler/compile";
import { readConfig } from "../compiler/config";
import type { AirflowTarget } from "../compiler/ir";
import { OUTPUT_DIR, diskProject } from "../compiler/project";
import { runtimeSource } from "../cli/paths";

/** A mistake in the command line or the specs: exit code 2, no stack trace. */
export class RunUsageError extends Error {}

/** The compile the runner works from, or a message saying why there is none. */
export function compileFor(
  root: string,
  target?: AirflowTarget,
): { result: CompileResult; target: AirflowTarget } {
  const project = diskProject(root);
  const config = readConfig(project);
  if (config.diagnostics.length)
    throw new RunUsageError(`${config.diagnostics[0]!.message} (run dagspec compile)`);
  const airflow = target ?? config.target;
  const result = compileProject(project, { target: airflow, runtime: runtimeSource() });
  if (result.diagnostics.length) {
    throw new RunUsageError(
      `the specs have ${result.diagnostics.length} error(s): run dagspec compile to see them`,
    );
  }
  return { result, target: airflow };
}

/**
 * The DAG folder to run: generated-dags/ when it holds exactly what the specs compile to for
 * this Airflow version, else the compiled files written under the run's folder.
 */
export function dagFolder(
  root: string,
  dags: ReadonlyMap<string, string>,
  fallback: string,
): { dir: string; note?: string } {
  const generated = path.join(root, OUTPUT_DIR);
  const same = [...dags].every(([rel, text]) => {
    try {
      return fs.readFileSync(path.join(generated, rel), "utf8") === text;
    } catch {
      return false;
    }
  });
  if (same) return { dir: generated };
  for (const [rel, text] of dags) {
    fs.mkdirSync(path.dirname(path.join(fallback, rel)), { recursive: true });
    fs.writeFileSync(path.join(fallback, rel), text);
  }
  return {
    dir: fallback,
    note: `${OUTPUT_DIR}/ is not what the specs compile to for this Airflow version; running the DAGs compiled now`,
  };
}
