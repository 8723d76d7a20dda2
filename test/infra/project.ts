// Throwaway copies of the project's inputs (specs, compiled DAGs, Glue jobs), so a test can change
// a spec, recompile, and run the stack on the result.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runtimeSource } from "../../cli/paths";
import { compileProject } from "../../compiler/compile";
import type { AirflowTarget } from "../../compiler/ir";
import { diskProject, OUTPUT_DIR } from "../../compiler/project";
import { ROOT } from "../helpers";

/** What a project copy leaves out: installed packages, build output, caches, version control. */
const SKIPPED = new Set([
  "node_modules",
  "dist",
  ".git",
  ".airflow",
  "__pycache__",
  ".ruff_cache",
  ".pytest_cache",
]);

/** A copy of the project folder: specs, compiled DAGs and every file the specs name. */
export function copyProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dagspec-stack-"));
  for (const entry of fs.readdirSync(ROOT)) {
    if (SKIPPED.has(entry)) continue;
    fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), {
      recursive: true,
      filter: (src) => !SKIPPED.has(path.basename(src)),
    });
  }
  return dir;
}

/** Rewrites generated-dags/ of a project copy from its specs, as `dagspec compile` would. */
export function recompile(root: string, target: AirflowTarget = "2.10"): void {
  const result = compileProject(diskProject(root), { target, runtime: runtimeSource() });
  if (result.diagnostics.length)
    throw new Error(result.diagnostics.map((d) => d.message).join("\n"));
  fs.rmSync(path.join(root, OUTPUT_DIR), { recursive: true, force: true });
  for (const [file, text] of result.dags) {
    const out = path.join(root, OUTPUT_DIR, file);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, text);
  }
}

export function editFile(root: string, file: string, edit: (text: string) => string): void {
  const abs = path.join(root, file);
  fs.writeFileSync(abs, edit(fs.readFileSync(abs, "utf8")));
}

export function removeProject(root: string): void {
  fs.rmSync(root, { recursive: true, force: true });
}
