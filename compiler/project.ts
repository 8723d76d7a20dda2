// The files a compile reads, behind an interface so the stages stay pure and tests can
// compile from memory. Every path a spec names must stay inside the project: the stack uploads
// those files, and the compiler copies helpers into the DAG folder.

import * as fs from "node:fs";
import * as path from "node:path";
import { quote } from "./diagnostics";
import { decodeUtf8 } from "./encoding";

export const SPECS_DIR = "dags-src";
export const OUTPUT_DIR = "generated-dags";
export const SCHEMA_PATH = "schema/pipeline.schema.json";
/** Settings of the whole spec set, read by the compiler and the stack alike. */
export const CONFIG_PATH = `${SPECS_DIR}/dagspec.config.yaml`;
/** The names spec files may have: they end up in DAG headers, messages and terminals. */
export const SPEC_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml$/;

export interface ProjectFiles {
  /** Spec paths relative to the root, sorted. */
  specs(): string[];
  /** Helper module paths relative to the root, sorted. */
  helpers(): string[];
  fileExists(rel: string): boolean;
  /** The file's text; bytes that are not UTF-8 become U+DC80 + byte (see encoding.ts). */
  readFile(rel: string): string | undefined;
  /** The files under a folder, at any depth, relative to the root, sorted; see shippedFile. */
  filesUnder(dir: string): string[];
  /** Why `rel` does not lead to a place inside the project, or undefined when it does. */
  outside(rel: string): string | undefined;
}

/** Whether a file under a folder is shipped with it: no caches, compiled or hidden files. */
export function shippedFile(rel: string): boolean {
  return (
    rel.split("/").every((part) => !part.startsWith(".") && part !== "__pycache__") &&
    !rel.endsWith(".pyc")
  );
}

/** Problems a path has whatever is on disk: absolute, `..` above the root, odd characters. */
export function pathProblem(rel: string): string | undefined {
  if (rel === "") return "the path is empty";
  if (rel.startsWith("/") || /^[A-Za-z]:/.test(rel))
    return "it is absolute; write it from the project root, e.g. glue-jobs/job.py";
  if (rel.startsWith("~")) return "it starts with ~; write it from the project root";
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f]/.test(rel)) return "it holds a backslash or a control character";
  const normal = path.posix.normalize(rel);
  if (normal === ".." || normal.startsWith("../")) return "it leads above the project root";
  return undefined;
}

export function diskProject(root: string): ProjectFiles {
  let realRoot: string | undefined;
  const outside = (rel: string): string | undefined => {
    const lexical = pathProblem(rel);
    if (lexical) return lexical;
    realRoot ??= fs.realpathSync(root);
    // The nearest part of the path that exists, with every symbolic link followed.
    let p = path.join(root, rel);
    while (!fs.existsSync(p) && path.dirname(p) !== p) p = path.dirname(p);
    const real = fs.realpathSync(p);
    const inside = real === realRoot || real.startsWith(realRoot + path.sep);
    return inside
      ? undefined
      : `it leads outside the project through a symbolic link to ${quote(real)}`;
  };
  const list = (dir: string, ext: RegExp) => {
    const abs = path.join(root, dir);
    if (!fs.existsSync(abs)) return [];
    // Symbolic links are listed too, so one that leads outside is reported rather than skipped.
    return fs
      .readdirSync(abs, { withFileTypes: true })
      .filter((e) => (e.isFile() || e.isSymbolicLink()) && ext.test(e.name))
      .map((e) => `${dir}/${e.name}`)
      .filter((rel) => isFile(path.join(root, rel)))
      .sort();
  };
  const readable = (rel: string) => outside(rel) === undefined && isFile(path.join(root, rel));
  return {
    specs: () => list(SPECS_DIR, /\.ya?ml$/).filter((f) => f !== CONFIG_PATH),
    helpers: () =>
      list(`${SPECS_DIR}/helpers`, /^[a-z_][a-z0-9_]*\.py$/).filter((h) => !outside(h)),
    fileExists: readable,
    readFile: (rel) => {
      if (!readable(rel)) return undefined;
      try {
        return decodeUtf8(fs.readFileSync(path.join(root, rel)));
      } catch {
        return undefined;
      }
    },
    filesUnder: (dir) => {
      const abs = path.join(root, dir);
      if (!fs.existsSync(abs)) return [];
      return (
        fs
          .readdirSync(abs, { recursive: true, withFileTypes: true })
          // Symbolic links are listed too, so that one leading outside is reported, not skipped.
          .filter((e) => e.isFile() || e.isSymbolicLink())
          .map((e) =>
            path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join("/"),
          )
          .filter((rel) => shippedFile(rel.slice(dir.length + 1)))
          .sort()
      );
    },
    outside,
  };
}

function isFile(abs: string): boolean {
  try {
    return fs.statSync(abs).isFile();
  } catch {
    return false;
  }
}

export function memoryProject(files: Record<string, string>): ProjectFiles {
  const under = (dir: string, ext: RegExp) =>
    Object.keys(files)
      .filter(
        (f) => f.startsWith(dir + "/") && !f.slice(dir.length + 1).includes("/") && ext.test(f),
      )
      .sort();
  const normal = (rel: string) => path.posix.normalize(rel);
  return {
    specs: () => under(SPECS_DIR, /\.ya?ml$/).filter((f) => f !== CONFIG_PATH),
    helpers: () => under(`${SPECS_DIR}/helpers`, /\/[a-z_][a-z0-9_]*\.py$/),
    fileExists: (rel) => !pathProblem(rel) && normal(rel) in files,
    readFile: (rel) => (pathProblem(rel) ? undefined : files[normal(rel)]),
    outside: pathProblem,
    filesUnder: (dir) =>
      Object.keys(files)
        .filter((f) => f.startsWith(dir + "/") && shippedFile(f.slice(dir.length + 1)))
        .sort(),
  };
}
