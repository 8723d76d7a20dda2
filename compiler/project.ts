// The files a compile reads, behind an interface so the stages stay pure and tests can
// compile from memory.

import * as fs from "node:fs";
import * as path from "node:path";

export const SPECS_DIR = "dags-src";
export const OUTPUT_DIR = "generated-dags";
export const SCHEMA_PATH = "schema/pipeline.schema.json";
/** Settings of the whole spec set, read by the compiler and the stack alike. */
export const CONFIG_PATH = `${SPECS_DIR}/dagspec.config.yaml`;

export interface ProjectFiles {
  /** Spec paths relative to the root, sorted. */
  specs(): string[];
  /** Helper module paths relative to the root, sorted. */
  helpers(): string[];
  fileExists(rel: string): boolean;
  readFile(rel: string): string | undefined;
  /** The files under a folder, at any depth, relative to the root, sorted; see shippedFile. */
  filesUnder(dir: string): string[];
}

/** Whether a file under a folder is shipped with it: no caches, compiled or hidden files. */
export function shippedFile(rel: string): boolean {
  return (
    rel.split("/").every((part) => !part.startsWith(".") && part !== "__pycache__") &&
    !rel.endsWith(".pyc")
  );
}

export function diskProject(root: string): ProjectFiles {
  const list = (dir: string, ext: RegExp) => {
    const abs = path.join(root, dir);
    if (!fs.existsSync(abs)) return [];
    return fs
      .readdirSync(abs, { withFileTypes: true })
      .filter((e) => e.isFile() && ext.test(e.name))
      .map((e) => `${dir}/${e.name}`)
      .sort();
  };
  return {
    specs: () => list(SPECS_DIR, /\.ya?ml$/).filter((f) => f !== CONFIG_PATH),
    helpers: () => list(`${SPECS_DIR}/helpers`, /^[a-z_][a-z0-9_]*\.py$/),
    fileExists: (rel) =>
      fs.existsSync(path.join(root, rel)) && fs.statSync(path.join(root, rel)).isFile(),
    readFile: (rel) => {
      try {
        return fs.readFileSync(path.join(root, rel), "utf8");
      } catch {
        return undefined;
      }
    },
    filesUnder: (dir) => {
      const abs = path.join(root, dir);
      if (!fs.existsSync(abs)) return [];
      return fs
        .readdirSync(abs, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
        .filter((rel) => shippedFile(rel.slice(dir.length + 1)))
        .sort();
    },
  };
}

export function memoryProject(files: Record<string, string>): ProjectFiles {
  const under = (dir: string, ext: RegExp) =>
    Object.keys(files)
      .filter(
        (f) => f.startsWith(dir + "/") && !f.slice(dir.length + 1).includes("/") && ext.test(f),
      )
      .sort();
  return {
    specs: () => under(SPECS_DIR, /\.ya?ml$/).filter((f) => f !== CONFIG_PATH),
    helpers: () => under(`${SPECS_DIR}/helpers`, /\/[a-z_][a-z0-9_]*\.py$/),
    fileExists: (rel) => rel in files,
    readFile: (rel) => files[rel],
    filesUnder: (dir) =>
      Object.keys(files)
        .filter((f) => f.startsWith(dir + "/") && shippedFile(f.slice(dir.length + 1)))
        .sort(),
  };
}
