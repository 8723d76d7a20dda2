// The orchestrator: parse → validate → lower → emit for every spec of a project, plus the
// checks that span specs. Pure: it reads through ProjectFiles and returns the files to write.
//
// `compileEach` handles one spec at a time and keeps nothing of it, so a caller that writes
// each file as it comes (the CLI) uses memory independent of the number of specs;
// `compileProject` collects everything, for tests and the stack.

import {
  SourceFile,
  quote,
  sortDiagnostics,
  suggest,
  type Diagnostic,
  type DiagnosticCode,
} from "./diagnostics";
import { emitDag, header } from "./emit/dag";
import type { AirflowTarget, PipelineIR } from "./ir";
import { jsonSchemaText } from "./jsonschema";
import { HELPERS_DIR, RUNTIME_MODULE } from "./kinds/python";
import { KINDS_DOC_PATH, kindsDocText } from "./kinds-doc";
import { lower } from "./lower";
import { IMAGE_FILE } from "./images";
import { buildManifest, type Manifest } from "./manifest";
import { parse } from "./parse";
import { DIAGNOSTICS_DOC_PATH, diagnosticsDocText } from "./diagnostics-doc";
import { SCHEMA_PATH, SPECS_DIR, SPEC_FILE_NAME, type ProjectFiles } from "./project";
import type { Located } from "./schema";
import { validate } from "./validate";
import { pipelineKey } from "./variables";

export interface CompileOptions {
  target: AirflowTarget;
  /** What is shipped beside the DAGs from compiler/runtime/. */
  runtime: RuntimeFiles;
}

export interface RuntimeFiles {
  /** Text of the runtime module (dagspec_runtime.py). */
  module: string;
  /** Text of the image data it reads (dagspec_images.json), generated from the SageMaker SDK's. */
  images: string;
}

export function dagFileName(pipelineId: string): string {
  return `${pipelineKey(pipelineId)}.py`;
}

/** The outcome of one spec: its diagnostics, or its IR and DAG file. */
export interface SpecResult {
  source: SourceFile;
  diagnostics: Diagnostic[];
  pipeline?: PipelineIR;
  dag?: { name: string; content: string };
}

export function* compileEach(
  project: ProjectFiles,
  options: CompileOptions,
): Generator<SpecResult> {
  // Two specs may not claim one DAG id, nor ids that map to the same file and variables.
  const claimed = new Map<string, { file: string; id: string }>();
  const triggers: { source: SourceFile; id: Located<string> }[] = [];
  for (const file of project.specs()) {
    const refused = refusedSpec(project, file);
    if (refused) {
      yield refused;
      continue;
    }
    const source = new SourceFile(file, project.readFile(file) ?? "");
    const parsed = parse(source);
    if (!parsed.doc) {
      yield { source, diagnostics: parsed.diagnostics };
      continue;
    }
    const validated = validate(parsed.doc, source);
    if (!validated.spec) {
      yield { source, diagnostics: validated.diagnostics };
      continue;
    }
    const id = validated.spec.pipeline;
    const other = claimed.get(pipelineKey(id.value));
    if (other) {
      const same = other.id === id.value;
      const what = same
        ? `pipeline "${id.value}"`
        : `"${id.value}" (same as "${other.id}" once - becomes _)`;
      const diagnostic: Diagnostic = {
        ...source.location(id.range),
        code: same ? "DUPLICATE_DAG_ID" : "NAME_COLLISION",
        severity: "error",
        message: `${what} is already defined in ${other.file}`,
      };
      yield { source, diagnostics: [diagnostic] };
      continue;
    }
    claimed.set(pipelineKey(id.value), { file, id: id.value });
    const { pipeline, diagnostics, requiredPipelines } = lower(validated.spec, source, project);
    for (const required of requiredPipelines) triggers.push({ source, id: required });
    if (!pipeline) {
      yield { source, diagnostics };
      continue;
    }
    yield {
      source,
      diagnostics: [],
      pipeline,
      dag: { name: dagFileName(pipeline.id), content: emitDag(pipeline, options.target) },
    };
  }
  // A pipeline may trigger one whose spec comes later, so these are checked at the end.
  const ids = [...claimed.values()].map((c) => c.id);
  for (const { source, id } of triggers) {
    if (ids.includes(id.value)) continue;
    const { hint, suggestion } = suggest(id.value, ids, id.range);
    const diagnostic: Diagnostic = {
      ...source.location(id.range),
      code: "UNKNOWN_PIPELINE",
      severity: "error",
      message: `no pipeline ${quote(id.value)} in ${SPECS_DIR}/${hint}`,
      ...(suggestion ? { suggestion } : {}),
    };
    yield { source, diagnostics: [diagnostic] };
  }
}

/** A spec file the compiler does not read: an odd name, or a link that leads outside. */
function refusedSpec(project: ProjectFiles, file: string): SpecResult | undefined {
  const name = file.slice(file.lastIndexOf("/") + 1);
  const problem: [DiagnosticCode, string] | undefined = !SPEC_FILE_NAME.test(name)
    ? [
        "INVALID_FILE_NAME",
        `the file name ${quote(name)} is not letters, digits, ".", "-" and "_" ending in .yaml; rename the file`,
      ]
    : project.outside(file) !== undefined
      ? ["OUTSIDE_PROJECT", `the spec file is not inside the project: ${project.outside(file)}`]
      : undefined;
  if (!problem) return undefined;
  const source = new SourceFile(file, "");
  const diagnostic: Diagnostic = {
    ...source.location([0, 0]),
    code: problem[0],
    severity: "error",
    message: problem[1],
  };
  return { source, diagnostics: [diagnostic] };
}

/**
 * Files that do not come from one spec: the runtime and helper modules and .airflowignore in
 * generated-dags/ (`dags`), and the JSON Schema and kinds reference elsewhere (`files`).
 */
export function supportFiles(
  project: ProjectFiles,
  options: CompileOptions,
): { dags: Map<string, string>; files: Map<string, string> } {
  const dags = new Map<string, string>();
  dags.set(
    `${RUNTIME_MODULE}.py`,
    header("compiler/runtime/dagspec_runtime.py") + options.runtime.module,
  );
  // As generated: its first line says so, and JSON has no room for another header.
  dags.set(IMAGE_FILE, options.runtime.images);
  const helpers = project.helpers();
  if (helpers.length) {
    dags.set("dagspec_helpers/__init__.py", header(`${HELPERS_DIR}/`));
    for (const h of helpers) {
      dags.set(`dagspec_helpers/${h.split("/").pop()}`, header(h) + (project.readFile(h) ?? ""));
    }
  }
  // Airflow need not look for DAGs in the runtime and helper modules.
  dags.set(".airflowignore", header("dagspec") + "dagspec_runtime.py\ndagspec_helpers/\n");
  const files = new Map([
    [SCHEMA_PATH, jsonSchemaText()],
    [KINDS_DOC_PATH, kindsDocText()],
    [DIAGNOSTICS_DOC_PATH, diagnosticsDocText()],
  ]);
  return { dags, files };
}

export interface CompileResult {
  diagnostics: Diagnostic[];
  /** Sources of the specs, by path, for printing diagnostics. */
  sources: Map<string, SourceFile>;
  pipelines: PipelineIR[];
  manifest: Manifest;
  /** Files of generated-dags/, by path relative to that folder; empty when there are errors. */
  dags: Map<string, string>;
  /** Other generated files, by path relative to the project root. */
  files: Map<string, string>;
}

export function compileProject(project: ProjectFiles, options: CompileOptions): CompileResult {
  const sources = new Map<string, SourceFile>();
  const diagnostics: Diagnostic[] = [];
  const pipelines: PipelineIR[] = [];
  const dags = new Map<string, string>();
  for (const r of compileEach(project, options)) {
    sources.set(r.source.path, r.source);
    diagnostics.push(...r.diagnostics);
    if (r.pipeline) pipelines.push(r.pipeline);
    if (r.dag) dags.set(r.dag.name, r.dag.content);
  }
  const support = supportFiles(project, options);
  if (diagnostics.length) dags.clear();
  else for (const [k, v] of support.dags) dags.set(k, v);
  return {
    diagnostics: sortDiagnostics(diagnostics),
    sources,
    pipelines,
    manifest: buildManifest(pipelines.flatMap((p) => p.resources)),
    dags,
    files: support.files,
  };
}
