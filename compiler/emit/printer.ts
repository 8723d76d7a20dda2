// Writes PyExpr trees as Python source: short values on one line, longer ones one item per
// line with a trailing comma, as black and ruff format would.

import { jinjaText, pyString, unreachable, type PyExpr, type PyName } from "./python";

const WIDTH = 100;
const INDENT = "    ";

/** Names imported for the expression being printed; `local` maps an import to its local name. */
export interface Scope {
  local(ref: PyName): string;
}

export function printExpr(e: PyExpr, scope: Scope, indent: string, column = indent.length): string {
  const flat = printFlat(e, scope);
  // One column is kept for the comma that follows most expressions.
  if (flat !== undefined && column + flat.length + 1 <= WIDTH) return flat;
  const inner = indent + INDENT;
  const block = (open: string, items: string[], close: string) =>
    items.length === 0
      ? open + close
      : `${open}\n${items.map((i) => `${inner}${i},\n`).join("")}${indent}${close}`;
  switch (e.kind) {
    case "list":
      return block(
        "[",
        e.items.map((x) => printExpr(x, scope, inner)),
        "]",
      );
    case "dict":
      return block(
        "{",
        e.entries.map(([k, v]) => {
          const key = `${pyString(k)}: `;
          return key + printExpr(v, scope, inner, inner.length + key.length);
        }),
        "}",
      );
    case "call":
      return block(`${scope.local(e.callee)}(`, callArgs(e, scope, inner), ")");
    default:
      // Scalars do not break.
      return flat ?? "";
  }
}

function callArgs(e: Extract<PyExpr, { kind: "call" }>, scope: Scope, inner: string): string[] {
  return [
    ...e.args.map((a) => printExpr(a, scope, inner)),
    ...e.kwargs.map(([k, v]) => `${k}=${printExpr(v, scope, inner, inner.length + k.length + 1)}`),
  ];
}

function printFlat(e: PyExpr, scope: Scope): string | undefined {
  switch (e.kind) {
    case "str":
      return pyString(e.value);
    case "template":
      return pyString(jinjaText(e.parts));
    case "jinja":
      return pyString(e.text);
    case "int":
      return String(e.value);
    case "float":
      return Number.isInteger(e.value) ? `${e.value}.0` : String(e.value).replace("e+", "e");
    case "bool":
      return e.value ? "True" : "False";
    case "none":
      return "None";
    case "name":
      return scope.local(e.ref);
    case "attr":
      return `${scope.local(e.base)}.${e.attr}`;
    case "list":
      return `[${e.items.map((x) => printFlat(x, scope)).join(", ")}]`;
    case "dict":
      return `{${e.entries.map(([k, v]) => `${pyString(k)}: ${printFlat(v, scope)}`).join(", ")}}`;
    case "call": {
      const args = [
        ...e.args.map((a) => printFlat(a, scope)),
        ...e.kwargs.map(([k, v]) => `${k}=${printFlat(v, scope)}`),
      ];
      return `${scope.local(e.callee)}(${args.join(", ")})`;
    }
    default:
      return unreachable(e);
  }
}

/** Every imported name an expression uses. */
export function namesIn(e: PyExpr, out: PyName[] = []): PyName[] {
  switch (e.kind) {
    case "name":
      out.push(e.ref);
      break;
    case "attr":
      out.push(e.base);
      break;
    case "call":
      out.push(e.callee);
      e.args.forEach((a) => namesIn(a, out));
      e.kwargs.forEach(([, v]) => namesIn(v, out));
      break;
    case "list":
      e.items.forEach((x) => namesIn(x, out));
      break;
    case "dict":
      e.entries.forEach(([, v]) => namesIn(v, out));
      break;
    case "str":
    case "template":
    case "jinja":
    case "int":
    case "float":
    case "bool":
    case "none":
      break;
    default:
      unreachable(e);
  }
  return out;
}
