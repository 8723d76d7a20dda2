// The orchestrator: parse → validate → lower → emit for every spec of a project, plus the
// checks that span specs. Pure: it reads through ProjectFiles and returns the files to write.

import { SourceFile, sortDiagnostics, type Diagnostic } from "./diagnostics";
import { emitDag, header } from "./emit/dag";
import type { AirflowTarget, PipelineIR } from "./ir";
import { HELPERS_DIR, RUNTIME_MODULE } from "./kinds/python";
import { lower } from "./lower";
import { buildManifest, type Manifest } from "./manifest";
import { parse } from "./parse";
import { SCHEMA_PATH, type ProjectFiles } from "./project";
import { jsonSchemaText } from "./jsonschema";
import { KINDS_DOC_PATH, kindsDocText } from "./kinds-doc";
import { validate } from "./validate";
import { pipelineKey } from "./variables";

export interface CompileOptions {
  target: AirflowTarget;
  /** Text of the runtime module shipped beside the DAGs (compiler/runtime/dagspec_runtime.py). */
  runtime: string;
}

export interface CompileResult {
  diagnostics: Diagnostic[];
  sources: Map<string, SourceFile>;
  pipelines: PipelineIR[];
  manifest: Manifest;
  /** Files of generated-dags/, by path relative to that folder. */
  dags: Map<string, string>;
  /** Other generated files, by path relative to the project root. */
  files: Map<string, string>;
}

export function dagFileName(pipelineId: string): string {
  return `${pipelineKey(pipelineId)}.py`;
}

export function compileProject(project: ProjectFiles, options: CompileOptions): CompileResult {
  const sources = new Map<string, SourceFile>();
  const diagnostics: Diagnostic[] = [];
  const pipelines: PipelineIR[] = [];
  const claimed = new Map<string, { file: string; id: string }>();

  for (const file of project.specs()) {
    const source = new SourceFile(file, project.readFile(file) ?? "");
    sources.set(file, source);
    const parsed = parse(source);
    diagnostics.push(...parsed.diagnostics);
    if (!parsed.doc) continue;
    const validated = validate(parsed.doc, source);
    diagnostics.push(...validated.diagnostics);
    if (!validated.spec) continue;
    const { pipeline: id } = validated.spec;
    // Two specs may not claim one DAG id, nor ids that map to the same file and variables.
    const other = claimed.get(pipelineKey(id.value));
    if (other) {
      const code = other.id === id.value ? "DUPLICATE_DAG_ID" : "NAME_COLLISION";
      const what =
        other.id === id.value
          ? `pipeline "${id.value}"`
          : `"${id.value}" (same as "${other.id}" once - becomes _)`;
      diagnostics.push({
        ...source.location(id.range),
        code,
        severity: "error",
        message: `${what} is already defined in ${other.file}`,
      });
      continue;
    }
    claimed.set(pipelineKey(id.value), { file, id: id.value });
    const lowered = lower(validated.spec, source, project);
    diagnostics.push(...lowered.diagnostics);
    if (lowered.pipeline) pipelines.push(lowered.pipeline);
  }

  const dags = new Map<string, string>();
  const files = new Map<string, string>([
    [SCHEMA_PATH, jsonSchemaText()],
    [KINDS_DOC_PATH, kindsDocText()],
  ]);
  if (diagnostics.length === 0) {
    for (const p of pipelines) dags.set(dagFileName(p.id), emitDag(p, options.target));
    dags.set(
      `${RUNTIME_MODULE}.py`,
      header("compiler/runtime/dagspec_runtime.py") + options.runtime,
    );
    const helpers = project.helpers();
    if (helpers.length) {
      dags.set("dagspec_helpers/__init__.py", header(`${HELPERS_DIR}/`));
      for (const h of helpers) {
        dags.set(`dagspec_helpers/${h.split("/").pop()}`, header(h) + (project.readFile(h) ?? ""));
      }
    }
    // Airflow need not look for DAGs in the runtime and helper modules.
    dags.set(".airflowignore", header("dagspec") + "dagspec_runtime.py\ndagspec_helpers/\n");
  }
  return {
    diagnostics: sortDiagnostics(diagnostics),
    sources,
    pipelines,
    manifest: buildManifest(pipelines),
    dags,
    files,
  };
}
