import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RuntimeFiles } from "../compiler/compile";
import { IMAGE_FILE } from "../compiler/images";

/** The dagspec checkout this code runs from (holds package.json, pyenv/, compiler/runtime/). */
export function packageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "pyenv", "ensure"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the dagspec root above ${__dirname}`);
    dir = up;
  }
  return dir;
}

/** The files compiler/runtime/ ships beside the DAGs. */
export function runtimeSource(): RuntimeFiles {
  const read = (file: string) =>
    fs.readFileSync(path.join(packageRoot(), "compiler", "runtime", file), "utf8");
  return { module: read("dagspec_runtime.py"), images: read(IMAGE_FILE) };
}

/** The path of a cached virtualenv from pyenv/NAME.txt, built on first use. */
export function pythonEnv(name: string): string {
  const out = execFileSync("bash", [path.join(packageRoot(), "pyenv", "ensure"), name], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  return out.trim();
}
