// The project files the stack uploads: the compiled DAG folder and the Glue job scripts with
// the packages they import. Everything is read into memory as text, so resource inputs hold
// content rather than absolute paths and two checkouts of the same commit give the same stack.

import * as fs from "node:fs";
import * as path from "node:path";

const SKIPPED = new Set(["__pycache__", ".pytest_cache", ".ruff_cache"]);

/** Files under `dir` (relative to `root`), as sorted POSIX paths relative to `dir`. */
export function listFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const abs = path.join(root, dir, rel);
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      if (SKIPPED.has(e.name) || e.name.endsWith(".pyc")) continue;
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(child);
      else if (e.isFile()) out.push(child);
    }
  };
  if (fs.existsSync(path.join(root, dir))) walk("");
  return out.sort();
}

/** The Content-Type of an uploaded project file. */
export function contentType(file: string): string {
  return file.endsWith(".py") ? "text/x-python" : "text/plain";
}

export function readTree(root: string, dir: string): Map<string, string> {
  return new Map(
    listFiles(root, dir).map((f) => [f, fs.readFileSync(path.join(root, dir, f), "utf8")]),
  );
}

export interface TreeDifference {
  missing: string[];
  extra: string[];
  changed: string[];
}

export function compareTrees(
  expected: Map<string, string>,
  actual: Map<string, string>,
): TreeDifference {
  return {
    missing: [...expected.keys()].filter((k) => !actual.has(k)).sort(),
    extra: [...actual.keys()].filter((k) => !expected.has(k)).sort(),
    changed: [...expected.keys()]
      .filter((k) => actual.has(k) && actual.get(k) !== expected.get(k))
      .sort(),
  };
}

export function isSameTree(d: TreeDifference): boolean {
  return d.missing.length + d.extra.length + d.changed.length === 0;
}

export function describeDifference(d: TreeDifference): string {
  const parts: string[] = [];
  if (d.missing.length) parts.push(`missing ${d.missing.join(", ")}`);
  if (d.extra.length) parts.push(`not compiled from any spec ${d.extra.join(", ")}`);
  if (d.changed.length) parts.push(`different ${d.changed.join(", ")}`);
  return parts.join("; ");
}

/** A Python package a Glue job imports, shipped as one zip through `--extra-py-files`. */
export interface GluePackage {
  /** Folder of the package from the project root, e.g. glue-jobs/dagspec_glue. */
  dir: string;
  /** Its files by path inside the zip (dagspec_glue/abalone.py), sorted. */
  files: Map<string, string>;
}

/**
 * The packages beside a job script: folders next to it holding an `__init__.py`. Glue puts
 * `--extra-py-files` zips on the path, so the job's `import dagspec_glue` works as it does
 * locally; a folder without `__init__.py` (such as the local awsglue shim) is never shipped.
 */
export function gluePackages(root: string, script: string): GluePackage[] {
  const dir = path.posix.dirname(script);
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return [];
  return fs
    .readdirSync(abs, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(abs, e.name, "__init__.py")))
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const files = new Map<string, string>();
      for (const [rel, text] of readTree(root, `${dir}/${name}`)) {
        if (rel.endsWith(".py")) files.set(`${name}/${rel}`, text);
      }
      return { dir: `${dir}/${name}`, files };
    });
}
