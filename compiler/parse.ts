// Stage 1: YAML text → document with source ranges on every node.

import { parseDocument, isMap, type Document, type Node } from "yaml";
import { Reporter, type Diagnostic, type DiagnosticCode, type SourceFile } from "./diagnostics";
import { typeName } from "./schema";

export interface Parsed {
  doc?: Document;
  diagnostics: Diagnostic[];
}

const YAML_CODES: Record<string, DiagnosticCode> = { DUPLICATE_KEY: "DUPLICATE_KEY" };

export function parse(source: SourceFile): Parsed {
  const report = new Reporter(source);
  if (source.text.trim() === "" || /^(\s*(#.*)?\n?)*$/.test(source.text)) {
    report.error(
      "EMPTY_FILE",
      [0, 0],
      "the spec file is empty; it needs at least pipeline: and tasks:",
    );
    return { diagnostics: report.diagnostics };
  }
  // The core schema reads dates and times as strings and yes/no as strings, so no value
  // silently changes type.
  const doc = parseDocument(source.text, {
    prettyErrors: false,
    uniqueKeys: true,
    schema: "core",
    merge: true,
  });
  const linesWithError = new Set<number>();
  for (const e of doc.errors) {
    // After the first fault on a line the parser reports its knock-on effects; show the first.
    const at = source.location(e.pos).line;
    if (linesWithError.has(at)) continue;
    linesWithError.add(at);
    let message = e.message.replace(/ at line \d+, column \d+[\s\S]*$/, "");
    const line = source.lineText(at);
    if (/\$\{/.test(line) && /[{[]/.test(line.replace(/\$\{[^}]*\}/g, ""))) {
      message += '; inside { } or [ ], quote a value that holds ${...}: "${...}"';
    }
    const code = YAML_CODES[e.code] ?? "YAML_SYNTAX";
    report.error(
      code,
      e.pos,
      code === "DUPLICATE_KEY" ? "duplicate key: each key may appear once in a mapping" : message,
    );
  }
  if (doc.errors.length === 0 && !isMap(doc.contents)) {
    const what = typeName((doc.contents as Node | null) ?? null);
    report.error(
      "WRONG_TYPE",
      doc.contents?.range ? [doc.contents.range[0], doc.contents.range[1]] : [0, 0],
      `a spec is a mapping with pipeline: and tasks:, found ${what}`,
    );
  }
  return report.diagnostics.length ? { diagnostics: report.diagnostics } : { doc, diagnostics: [] };
}
