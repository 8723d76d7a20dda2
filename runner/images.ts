// Local builds of SageMaker's framework images: for each image, virtualenvs with its Python
// version and package pins, one per build of the image (pyenv/image-<framework>-<version>-
// py3X.txt, e.g. XGBoost 1.7-1 as released on Python 3.8 and as rebuilt on 3.9). Training and
// processing stand-ins run in them (runner/listener/dagspec_standin/sagemaker.py).
//
// Runs use an image's newest build: SageMaker's tags are rebuilt in place, so the newest is what
// a job pulls today. The tests run the scripts in every build (test/images/).

import * as fs from "node:fs";
import * as path from "node:path";
import { packageRoot, pythonEnv } from "../cli/paths";
import type { PipelineIR } from "../compiler/ir";
import { sagemakerImages } from "../infra/plan";

/** The requirement files (without .txt) of an image's builds, oldest Python first. */
export function imageBuilds(
  framework: string,
  version: string,
  dir = path.join(packageRoot(), "pyenv"),
): string[] {
  const prefix = `image-${framework}-${version}-py`;
  const python = (name: string) => Number(name.slice(prefix.length));
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && /^\d+\.txt$/.test(f.slice(prefix.length)))
    .map((f) => f.slice(0, -".txt".length))
    .sort((a, b) => python(a) - python(b));
}

/** The framework images the pipelines' training and processing jobs run, as framework:version. */
export function jobImages(pipelines: readonly PipelineIR[]): string[] {
  const out = new Set<string>();
  for (const task of pipelines.flatMap((p) => p.tasks)) {
    if (task.op.kind !== "sagemaker.training" && task.op.kind !== "sagemaker.processing") continue;
    for (const value of sagemakerImages(task.op)) {
      const [part] = value.kind === "text" ? value.parts : [];
      if (part?.kind === "image") out.add(`${part.framework}:${part.version}`);
    }
  }
  return [...out].sort();
}

/**
 * The Python of the newest local build of each image the pipelines' jobs run (built on first
 * use), for DAGSPEC_IMAGE_PYTHONS. An image without a build is left out: its stand-in then
 * says so when the task runs.
 */
export function imagePythons(pipelines: readonly PipelineIR[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const image of jobImages(pipelines)) {
    const [framework, version] = image.split(":") as [string, string];
    const newest = imageBuilds(framework, version).at(-1);
    if (newest) out[image] = path.join(pythonEnv(newest), "bin", "python");
  }
  return out;
}
