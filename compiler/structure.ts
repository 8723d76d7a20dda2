// Checks on the shape of a parsed YAML document, before any of it is read as a spec, in one
// walk that is linear in the size of the document:
// - each key appears once per mapping (the yaml package's own check compares every pair of
//   keys, so 40,000 tasks took 24 s);
// - aliases do not expand the spec without bound (a 712-byte "billion laughs" spec) or into
//   themselves (`&a [*a]`, which the readers would follow forever);
// - nesting stays within what a spec needs, so every recursive reader has a bounded depth.

import { isAlias, isMap, isScalar, isSeq, type Document, type Node } from "yaml";
import { quote, type Reporter } from "./diagnostics";

/** Deeper than any spec needs; the readers recurse once per level. */
export const MAX_DEPTH = 64;
/** What aliases may add to a spec: nodes plus characters of text, at least this much... */
export const ALIAS_BUDGET = 1_000_000;
/** ...or this many times the size of the file, for very large specs that reuse a block. */
export const ALIAS_BUDGET_PER_CHAR = 10;

export function checkStructure(doc: Document, report: Reporter): void {
  if (doc.contents) new Walk(doc, report).weight(doc.contents as Node, 0);
}

class Walk {
  /** The size of each node once its aliases are expanded: nodes plus characters of text. */
  private readonly weights = new Map<Node, number>();
  private readonly open = new Set<Node>();
  private expanded = 0;
  private readonly budget: number;
  private stopped = { depth: false, aliases: false };

  constructor(
    private readonly doc: Document,
    private readonly report: Reporter,
  ) {
    this.budget = Math.max(ALIAS_BUDGET, ALIAS_BUDGET_PER_CHAR * report.source.text.length);
  }

  weight(node: Node | null, depth: number): number {
    if (node === null) return 1;
    if (isAlias(node)) return this.alias(node);
    const known = this.weights.get(node);
    if (known !== undefined) return known;
    if (depth > MAX_DEPTH) {
      if (!this.stopped.depth) {
        this.stopped.depth = true;
        this.report.error(
          "TOO_LARGE",
          range(node),
          `the spec is nested more than ${MAX_DEPTH} levels deep here`,
        );
      }
      return 1;
    }
    this.open.add(node);
    let w = 1;
    if (isScalar(node)) {
      w += typeof node.value === "string" ? node.value.length : 0;
    } else if (isSeq(node)) {
      for (const item of node.items) w += this.weight(item as Node, depth + 1);
    } else if (isMap(node)) {
      this.uniqueKeys(node.items);
      for (const pair of node.items) {
        w += this.weight(pair.key as Node | null, depth + 1);
        w += this.weight(pair.value as Node | null, depth + 1);
      }
    }
    this.open.delete(node);
    this.weights.set(node, w);
    return w;
  }

  private alias(alias: Node & { source: string }): number {
    const target = (alias as unknown as { resolve(doc: Document): Node | undefined }).resolve(
      this.doc,
    );
    // An alias without its anchor is the parser's error already.
    if (!target) return 1;
    if (this.open.has(target)) {
      this.report.error(
        "ALIAS_EXPANSION",
        range(alias),
        `alias *${alias.source} refers to a node that holds it, so it never ends`,
        { message: "write the repeated part out instead of referring to its own anchor" },
      );
      return 1;
    }
    // Anchors come before their aliases, so the target's size is known unless it lies deeper
    // than the walk went.
    const w = this.weights.get(target) ?? 1;
    this.expanded += w;
    if (this.expanded > this.budget && !this.stopped.aliases) {
      this.stopped.aliases = true;
      this.report.error(
        "ALIAS_EXPANSION",
        range(alias),
        `alias *${alias.source} expands the spec past ${this.budget.toLocaleString("en-US")} nodes and characters; aliases of aliases grow it exponentially`,
        { message: "write the values out, or use fewer nested aliases" },
      );
    }
    return w;
  }

  /** Reports the second and later occurrences of a key, at the key, naming it. */
  private uniqueKeys(pairs: { key: unknown }[]): void {
    if (pairs.length < 2) return;
    const first = new Map<string, Node>();
    for (const pair of pairs) {
      const k = keyText(pair.key, this.doc);
      if (k === undefined) continue;
      const earlier = first.get(k);
      if (!earlier) {
        first.set(k, pair.key as Node);
        continue;
      }
      const line = this.report.source.location(range(earlier)).line;
      this.report.error(
        "DUPLICATE_KEY",
        range(pair.key as Node),
        `duplicate key ${quote(k)}: it is already defined on line ${line}; each key may appear once in a mapping`,
        { message: `remove or rename one of the two ${quote(k)} keys` },
      );
    }
  }
}

/** A key as the readers see it: scalar keys by their text; others are reported by the readers. */
function keyText(key: unknown, doc: Document): string | undefined {
  const k = isAlias(key) ? (key.resolve(doc) as Node | undefined) : key;
  if (!isScalar(k)) return undefined;
  const v = k.value;
  if (typeof v === "symbol") return v.description;
  return v === null ? undefined : String(v);
}

function range(node: Node): [number, number] {
  const r = node.range;
  return r ? [r[0], r[1]] : [0, 0];
}
