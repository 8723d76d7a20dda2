// dags-src/dagspec.config.yaml: settings of the whole spec set. The Airflow version lives here
// so the compiler and the stack (which deploys that version on MWAA) agree on it.

import type { Node } from "yaml";
import { Reporter, SourceFile, type Diagnostic } from "./diagnostics";
import { AIRFLOW_TARGETS, type AirflowTarget } from "./ir";
import { parse } from "./parse";
import { CONFIG_PATH, type ProjectFiles } from "./project";
import { optional, t } from "./schema";

const configType = t.object({
  airflow: optional(
    t.oneOf(AIRFLOW_TARGETS),
    `The Airflow version DAGs are compiled for: ${AIRFLOW_TARGETS.join(" or ")} (default 2.10).`,
  ),
});

export const DEFAULT_TARGET: AirflowTarget = "2.10";

/** MWAA's Airflow version for each compiler target. */
export const MWAA_VERSIONS: Record<AirflowTarget, string> = { "2.10": "2.10.3", "3.0": "3.0.6" };

export interface ProjectConfig {
  target: AirflowTarget;
  source?: SourceFile;
  diagnostics: Diagnostic[];
}

export function readConfig(project: ProjectFiles): ProjectConfig {
  const text = project.readFile(CONFIG_PATH);
  if (text === undefined) return { target: DEFAULT_TARGET, diagnostics: [] };
  const source = new SourceFile(CONFIG_PATH, text);
  const parsed = parse(source);
  const empty = parsed.diagnostics.every((d) => d.code === "EMPTY_FILE");
  if (!parsed.doc)
    return { target: DEFAULT_TARGET, source, diagnostics: empty ? [] : parsed.diagnostics };
  const report = new Reporter(source);
  const config = configType.read(parsed.doc.contents as Node, { report, doc: parsed.doc });
  return { target: config?.airflow ?? DEFAULT_TARGET, source, diagnostics: report.diagnostics };
}
