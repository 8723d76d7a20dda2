// Shared helpers for the TypeScript tests.

import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { packageRoot, runtimeSource } from "../cli/paths";
import { compileProject, type CompileResult } from "../compiler/compile";
import { formatDiagnostic } from "../compiler/diagnostics";
import type { AirflowTarget } from "../compiler/ir";
import { memoryProject, type ProjectFiles } from "../compiler/project";

export const ROOT = packageRoot();
export const FIXTURES = path.join(ROOT, "test", "fixtures");
export const EXPECTED = path.join(ROOT, "test", "expected");
/** Set UPDATE_GOLDEN=1 to rewrite expected files from the current output. */
export const UPDATE_GOLDEN = process.env["UPDATE_GOLDEN"] === "1";

function readTree(dir: string, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(out, readTree(path.join(dir, e.name), rel));
    else out[rel] = fs.readFileSync(path.join(dir, e.name), "utf8");
  }
  return out;
}

/** A project holding the given specs (by file name) plus the support files of test/fixtures/files. */
export function fixtureProject(specs: Record<string, string>): ProjectFiles {
  const files = readTree(path.join(FIXTURES, "files"));
  for (const [name, text] of Object.entries(specs)) files[`dags-src/${name}`] = text;
  return memoryProject(files);
}

export function compileSpecs(
  specs: Record<string, string>,
  target: AirflowTarget = "2.10",
): CompileResult {
  return compileProject(fixtureProject(specs), { target, runtime: runtimeSource() });
}

export function formatAll(result: CompileResult): string {
  return (
    result.diagnostics.map((d) => formatDiagnostic(d, result.sources.get(d.file))).join("\n\n") +
    "\n"
  );
}

/** Compares `actual` with a golden file, or rewrites the file when UPDATE_GOLDEN=1. */
export function golden(file: string, actual: string): string {
  if (UPDATE_GOLDEN || !fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, actual);
  }
  return fs.readFileSync(file, "utf8");
}

export function cases(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.replace(/\.yaml$/, ""))
    .sort();
}

/** Polls until `probe` returns a value; a probe that throws counts as no value yet. */
export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  everyMs = 2000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Debian's chromium, installed by scripts/ensure-chromium.sh when it is missing. */
export function chromiumPath(): string {
  return execFileSync("bash", [path.join(ROOT, "scripts", "ensure-chromium.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
}
