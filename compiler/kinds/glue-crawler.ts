import { crawlerVariable } from "../variables";
import { jinjaTextPart } from "./shared";
import { py } from "../emit/python";
import { required, t, type Infer } from "../schema";
import { name } from "../values";
import { AMAZON, type TaskKind } from "./kind";

const args = t.object({
  dataset: required(
    t.located(name("dataset name")),
    "The dataset to crawl; it must declare `crawl:`.",
  ),
});

/**
 * Runs the Glue crawler the stack creates for a dataset. The crawler itself (database, S3
 * target, policies) is a resource in the manifest; the task only starts it and waits.
 */
export const glueCrawler: TaskKind<"glue.crawler", Infer<typeof args>> = {
  kind: "glue.crawler",
  summary: "Runs the Glue crawler of a dataset and waits for it, so the catalog table is current.",
  example: "crawl:\n  glue.crawler: { dataset: survey }\n",
  args,
  lower(a, cx) {
    const ds = cx.dataset(a.dataset);
    if (!ds) return undefined;
    if (!ds.crawl) {
      cx.report.error(
        "INVALID_VALUE",
        a.dataset.range,
        `dataset "${ds.name}" has no crawl: settings; add crawl: { database: ... } to it`,
      );
      return undefined;
    }
    const variable = crawlerVariable(cx.pipeline, ds.name);
    cx.addResource({
      kind: "glue.crawler",
      pipeline: cx.pipeline,
      dataset: ds.name,
      variable,
      database: ds.crawl.database,
      prefix: ds.path,
      tablePrefix: ds.crawl.tablePrefix,
    });
    return { kind: "glue.crawler", crawlerVariable: variable };
  },
  emit: (op) => ({
    operator: { module: `${AMAZON}.glue_crawler`, name: "GlueCrawlerOperator" },
    arguments: [
      [
        "config",
        py.dict([["Name", jinjaTextPart({ kind: "variable", name: op.crawlerVariable })]]),
      ],
      ["wait_for_completion", py.bool(true)],
    ],
  }),
};
