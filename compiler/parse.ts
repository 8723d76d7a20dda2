// Stage 1: YAML text → document with source ranges on every node.

import { isMap, isScalar, parseDocument, type Document, type Node } from "yaml";
import { Reporter, type Diagnostic, type SourceFile } from "./diagnostics";
import { badCharacters } from "./encoding";
import { typeName } from "./schema";
import { checkStructure } from "./structure";

export interface Parsed {
  doc?: Document;
  diagnostics: Diagnostic[];
}

const EMPTY_MESSAGE = "the spec file is empty; it needs at least pipeline: and tasks:";

export function parse(source: SourceFile): Parsed {
  const report = new Reporter(source);
  for (const bad of badCharacters(source.text)) {
    report.error("INVALID_ENCODING", [bad.offset, bad.offset + bad.length], bad.message);
  }
  if (report.diagnostics.length) return { diagnostics: report.diagnostics };
  // The core schema reads dates and times as strings and yes/no as strings, so no value
  // silently changes type. Keys are checked for uniqueness in checkStructure, in linear time.
  const doc = parseDocument(source.text, {
    prettyErrors: false,
    uniqueKeys: false,
    schema: "core",
    merge: true,
  });
  const linesWithError = new Set<number>();
  for (const e of doc.errors) {
    // After the first fault on a line the parser reports its knock-on effects; show the first.
    const at = source.location(e.pos).line;
    if (linesWithError.has(at)) continue;
    linesWithError.add(at);
    report.error("YAML_SYNTAX", e.pos, yamlMessage(e.message, source.lineText(at)));
  }
  if (report.diagnostics.length) return { diagnostics: report.diagnostics };
  // Nothing but comments, blank lines or document markers: the parser finds no content.
  const contents = doc.contents as Node | null;
  if (contents === null || (isScalar(contents) && contents.value === null && !contents.source)) {
    report.error("EMPTY_FILE", [0, 0], EMPTY_MESSAGE);
    return { diagnostics: report.diagnostics };
  }
  if (!isMap(contents)) {
    report.error(
      "WRONG_TYPE",
      contents.range ? [contents.range[0], contents.range[1]] : [0, 0],
      `a spec is a mapping with pipeline: and tasks:, found ${typeName(contents)}`,
    );
    return { diagnostics: report.diagnostics };
  }
  checkStructure(doc, report);
  return report.diagnostics.length ? { diagnostics: report.diagnostics } : { doc, diagnostics: [] };
}

function yamlMessage(raw: string, line: string): string {
  const cut = raw.indexOf(" at line ");
  let message = cut >= 0 ? raw.slice(0, cut) : raw;
  // The parser catches its own stack overflow on deeply nested flow collections.
  if (message.startsWith("Maximum call stack size exceeded"))
    return "the spec is nested too deeply for the YAML parser";
  if (line.includes("${") && /[{[]/.test(line.replace(/\$\{[^}]*\}/g, ""))) {
    message += '; inside { } or [ ], quote a value that holds ${...}: "${...}"';
  }
  return message;
}
