// Which ECR repositories the SageMaker role pulls from. Framework images resolve when a task
// runs (dagspec_runtime.image_uri) from the runtime's table of repositories and the AWS
// accounts hosting them per region; the stack reads that same table from the runtime's source,
// so the role can name exactly the repositories the DAGs will ask for.

import { IMAGE_FRAMEWORKS } from "../compiler/kinds/sagemaker-common";
import type { Image } from "./plan";

export interface ImageTable {
  /** Repository name and hosting account per region, by framework. */
  frameworks: Record<string, { repository: string; accounts: Record<string, string> }>;
}

/**
 * Reads IMAGE_REPOSITORIES and the account tables it refers to from the runtime module's text.
 * Fails, naming what it missed, when the module no longer has the shape read here, rather than
 * giving SageMaker a role that cannot pull its images.
 */
export function readImageTable(runtime: string): ImageTable {
  const tables = new Map<string, Record<string, string>>();
  for (const m of runtime.matchAll(/^(\w+) = \{\n([\s\S]*?)^\}/gm)) {
    const entries = [...m[2]!.matchAll(/^\s+"([a-z0-9-]+)": "(\d{12})",$/gm)];
    if (entries.length) tables.set(m[1]!, Object.fromEntries(entries.map((e) => [e[1]!, e[2]!])));
  }
  for (const m of runtime.matchAll(/^(\w+) = dict\.fromkeys\((\w+), "(\d{12})"\)$/gm)) {
    const base = tables.get(m[2]!);
    if (base) tables.set(m[1]!, Object.fromEntries(Object.keys(base).map((r) => [r, m[3]!])));
  }
  const block = /^IMAGE_REPOSITORIES = \{\n([\s\S]*?)^\}/m.exec(runtime)?.[1] ?? "";
  const frameworks: ImageTable["frameworks"] = {};
  for (const m of block.matchAll(/^\s+"([\w-]+)": \("([\w.-]+)", (\w+)\),$/gm)) {
    const accounts = tables.get(m[3]!);
    if (accounts) frameworks[m[1]!] = { repository: m[2]!, accounts };
  }
  const missing = IMAGE_FRAMEWORKS.filter((f) => !(f in frameworks));
  if (missing.length) {
    throw new Error(
      `the runtime module's IMAGE_REPOSITORIES gives no repository and accounts for ` +
        `${missing.join(", ")}; infra/images.ts reads that table to let SageMaker pull the images`,
    );
  }
  return { frameworks };
}

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
  table: ImageTable,
  region: string,
  images: readonly Image[],
): Repository[] {
  const out = new Map<string, Repository>();
  for (const image of images) {
    let repo: Repository | undefined;
    if (image.kind === "ecr") {
      repo = { account: image.account, region: image.region, repository: image.repository };
    } else {
      const f = table.frameworks[image.framework];
      const account = f?.accounts[region];
      if (f && account) repo = { account, region, repository: f.repository };
    }
    if (repo) out.set(`${repo.account}/${repo.region}/${repo.repository}`, repo);
  }
  return [...out.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, r]) => r);
}
