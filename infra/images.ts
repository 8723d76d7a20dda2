// Which ECR repositories the SageMaker role pulls from. Framework images resolve when a task
// runs (dagspec_runtime.image_uri) from the image data generated from the SageMaker Python
// SDK's (compiler/images.ts); the stack reads the same data, so the role names exactly the
// repositories the DAGs will ask for.

import { IMAGES, type ImageData } from "../compiler/images";
import type { Image } from "./plan";

/** An ECR repository by account, region and name. */
export interface Repository {
  account: string;
  region: string;
  repository: string;
}

/**
 * The repositories of the images the pipelines run, in the stack's region. A framework image
 * with no account for the region is left out: image_uri refuses it when the task runs.
 */
export function imageRepositories(
  region: string,
  images: readonly Image[],
  data: ImageData = IMAGES,
): Repository[] {
  const out = new Map<string, Repository>();
  for (const image of images) {
    let repo: Repository | undefined;
    if (image.kind === "ecr") {
      repo = { account: image.account, region: image.region, repository: image.repository };
    } else {
      const repository = data.frameworks[image.framework]?.[image.version]?.repository;
      const account = repository && data.repositories[repository]?.[region];
      if (repository && account) repo = { account, region, repository };
    }
    if (repo) out.set(`${repo.account}/${repo.region}/${repo.repository}`, repo);
  }
  return [...out.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, r]) => r);
}
