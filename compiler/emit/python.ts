// Python source for spec values. Every literal from a spec passes through `pyString` (and, for
// fields Airflow renders with Jinja, `jinjaText` first), so no spec text can become code.

import type { TextPart, Value } from "../ir";

/** A name imported from a module, e.g. GlueJobOperator from the Amazon provider. */
export interface PyName {
  module: string;
  name: string;
  /** "module": `import module` and refer to `module.name` (for stdlib such as datetime). */
  style?: "module";
}

/** Python expressions the emitter can write. There is no node for raw code. */
export type PyExpr =
  | { kind: "str"; value: string }
  | { kind: "template"; parts: TextPart[] }
  /**
   * Jinja the compiler writes itself (a payload serialised with tojson, the failure message),
   * from names it has validated, never from spec text: the one way Jinja code reaches a
   * field Airflow renders.
   */
  | { kind: "jinja"; text: string }
  | { kind: "int" | "float"; value: number }
  | { kind: "bool"; value: boolean }
  | { kind: "none" }
  | { kind: "list"; items: PyExpr[] }
  | { kind: "dict"; entries: [string, PyExpr][] }
  | { kind: "name"; ref: PyName }
  /** An attribute of an imported name, e.g. an enum member. */
  | { kind: "attr"; base: PyName; attr: string }
  | { kind: "call"; callee: PyName; args: PyExpr[]; kwargs: [string, PyExpr][] };

export const py = {
  str: (value: string): PyExpr => ({ kind: "str", value }),
  int: (value: number): PyExpr => ({ kind: "int", value }),
  bool: (value: boolean): PyExpr => ({ kind: "bool", value }),
  none: (): PyExpr => ({ kind: "none" }),
  list: (items: PyExpr[]): PyExpr => ({ kind: "list", items }),
  dict: (entries: [string, PyExpr][]): PyExpr => ({ kind: "dict", entries }),
  name: (module: string, name: string): PyExpr => ({ kind: "name", ref: { module, name } }),
  call: (callee: PyName, args: PyExpr[], kwargs: [string, PyExpr][] = []): PyExpr => ({
    kind: "call",
    callee,
    args,
    kwargs,
  }),
};

/**
 * An argument of a field Airflow renders with Jinja, made safe: every string in it (dict
 * values and list items included, as Airflow renders those too) is written through
 * jinjaText, so it renders back exactly. Only `jinja` nodes stay Jinja.
 */
export function templateSafe(e: PyExpr): PyExpr {
  switch (e.kind) {
    case "str":
      return { kind: "template", parts: [{ kind: "literal", text: e.value }] };
    case "list":
      return py.list(e.items.map(templateSafe));
    case "dict":
      return py.dict(e.entries.map(([k, v]) => [k, templateSafe(v)]));
    case "call":
      return {
        ...e,
        args: e.args.map(templateSafe),
        kwargs: e.kwargs.map(([k, v]) => [k, templateSafe(v)]),
      };
    case "template":
    case "jinja":
    case "int":
    case "float":
    case "bool":
    case "none":
    case "name":
    case "attr":
      return e;
    default:
      return unreachable(e);
  }
}

/** A spec value for an operator argument that Airflow renders as a template when the task runs. */
export function templated(v: Value): PyExpr {
  switch (v.kind) {
    case "text":
      return v.parts.every((p) => p.kind === "literal" && !/[{\r]|\n$/.test(p.text))
        ? py.str(v.parts.map((p) => (p.kind === "literal" ? p.text : "")).join(""))
        : { kind: "template", parts: v.parts };
    case "number":
      return { kind: Number.isInteger(v.value) ? "int" : "float", value: v.value };
    case "boolean":
      return py.bool(v.value);
    case "null":
      return py.none();
    case "list":
      return py.list(v.items.map(templated));
    case "map":
      return py.dict(v.entries.map(([k, x]) => [k, templated(x)]));
    default:
      return unreachable(v);
  }
}

export function unreachable(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}

// ---------------------------------------------------------------- strings

// Characters written as escapes: controls, format characters, surrogates, private use,
// unassigned code points, and line/paragraph separators. Everything else stays readable.
const ESCAPE_IN_DOUBLE = /[\p{C}\p{Zl}\p{Zp}\\"]/gu;
const ESCAPE_IN_SINGLE = /[\p{C}\p{Zl}\p{Zp}\\']/gu;

/**
 * A Python string literal whose value is exactly `s`: double-quoted unless the text holds more
 * double than single quotes, as ruff format prefers.
 */
export function pyString(s: string): string {
  const doubles = s.split('"').length;
  const singles = s.split("'").length;
  return doubles > singles
    ? `'${s.replace(ESCAPE_IN_SINGLE, escapeChar)}'`
    : `"${s.replace(ESCAPE_IN_DOUBLE, escapeChar)}"`;
}

function escapeChar(ch: string): string {
  switch (ch) {
    case "\\":
      return "\\\\";
    case '"':
      return '\\"';
    case "'":
      return "\\'";
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
  }
  const code = ch.codePointAt(0)!;
  if (ch.length === 1 && code < 0x100) return `\\x${hex(code, 2)}`;
  if (code <= 0xffff) return `\\u${hex(code, 4)}`;
  // A supplementary character (pair of surrogates in JavaScript) is one code point in Python.
  return `\\U${hex(code, 8)}`;
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

/**
 * The Jinja template text that renders to the parts: references become expressions and
 * literal text is protected so Jinja prints it unchanged. Any `{` could open a Jinja tag, so
 * each is written as an expression; so are carriage returns (Jinja normalises newlines) and a
 * final newline (Jinja drops one at the end of a template).
 */
export function jinjaText(parts: TextPart[]): string {
  let out = "";
  parts.forEach((part, i) => {
    if (part.kind !== "literal") {
      out += `{{ ${partExpr(part)} }}`;
      return;
    }
    let text = part.text.replace(/[{\r]/g, (c) => (c === "{" ? "{{ '{' }}" : "{{ '\\r' }}"));
    if (i === parts.length - 1 && text.endsWith("\n")) text = text.slice(0, -1) + "{{ '\\n' }}";
    out += text;
  });
  return out;
}

/** The Jinja expression for a reference. Names in it are validated identifiers, never spec text. */
function partExpr(part: Exclude<TextPart, { kind: "literal" }>): string {
  switch (part.kind) {
    case "variable":
      return `var.value.${part.name}`;
    case "param":
      return `params.${part.name}`;
    case "context":
      return part.name;
    case "xcom":
      return `ti.xcom_pull(task_ids=${jinjaString(part.task)})${part.path.map((k) => `[${jinjaString(k)}]`).join("")}`;
    case "image":
      return `${IMAGE_MACRO}(${jinjaString(part.framework)}, ${jinjaString(part.version)})`;
    default:
      return unreachable(part);
  }
}

/** The macro generated DAGs register to resolve SageMaker image URIs when a task runs. */
export const IMAGE_MACRO = "dagspec_image_uri";

/**
 * A Jinja string literal whose value is exactly `s`. Jinja decodes escapes in string literals
 * like Python's unicode-escape codec, so everything outside printable ASCII is escaped.
 */
export function jinjaString(s: string): string {
  let out = "'";
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === "\\" || ch === "'") out += `\\${ch}`;
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else if (code <= 0xffff) out += `\\u${hex(code, 4)}`;
    else out += `\\U${hex(code, 8)}`;
  }
  return out + "'";
}

/** A Jinja expression that evaluates to `v`: text parts joined with `~`, lists and dicts as literals. */
export function jinjaExpr(v: Value): string {
  switch (v.kind) {
    case "text": {
      const parts = v.parts.map((p) =>
        p.kind === "literal" ? jinjaString(p.text) : `(${partExpr(p)})`,
      );
      return parts.length === 1 ? parts[0]! : `(${parts.join(" ~ ")})`;
    }
    case "number":
      return String(v.value);
    case "boolean":
      return v.value ? "true" : "false";
    case "null":
      return "none";
    case "list":
      return `[${v.items.map(jinjaExpr).join(", ")}]`;
    case "map":
      return `{${v.entries.map(([k, x]) => `${jinjaString(k)}: ${jinjaExpr(x)}`).join(", ")}}`;
    default:
      return unreachable(v);
  }
}

/** Whether a value uses a reference that needs the image macro. */
export function usesImageMacro(v: Value): boolean {
  switch (v.kind) {
    case "text":
      return v.parts.some((p) => p.kind === "image");
    case "list":
      return v.items.some(usesImageMacro);
    case "map":
      return v.entries.some(([, x]) => usesImageMacro(x));
    default:
      return false;
  }
}

// ---------------------------------------------------------------- identifiers

const PYTHON_KEYWORDS = new Set(
  (
    "False None True and as assert async await break class continue def del elif else except " +
    "finally for from global if import in is lambda nonlocal not or pass raise return try while " +
    "with yield match case type _"
  ).split(" "),
);

/**
 * Gives each distinct key a Python identifier, stable for the same input, never a keyword or a
 * name in `reserved`, and never shared with another key.
 */
export class Identifiers {
  private readonly byKey = new Map<string, string>();
  private readonly taken: Set<string>;

  constructor(reserved: Iterable<string> = []) {
    this.taken = new Set(reserved);
  }

  get(key: string): string {
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    let base = key.replace(/[^A-Za-z0-9_]/g, "_");
    if (base === "" || /^[0-9]/.test(base)) base = `_${base}`;
    if (PYTHON_KEYWORDS.has(base)) base = `${base}_`;
    let id = base;
    for (let n = 2; this.taken.has(id); n++) id = `${base}_${n}`;
    this.taken.add(id);
    this.byKey.set(key, id);
    return id;
  }
}
