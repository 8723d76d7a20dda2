// A small schema language for spec files. Each type reads a YAML node (keeping its source
// range for diagnostics) into a typed value, and describes itself as JSON Schema, so the
// validator and the editor schema come from one definition.

import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
} from "yaml";
import { quote, suggest, type DiagnosticCode, type Reporter } from "./diagnostics";

export type Range = [number, number];
export type JsonSchema = { [key: string]: unknown };

export interface ReadContext {
  readonly report: Reporter;
  readonly doc: Document;
}

/** A value together with the source range it was read from. */
export interface Located<T> {
  value: T;
  range: Range;
}

export abstract class Type<T> {
  /** Reads `node`; returns undefined after reporting when the node does not fit. */
  abstract read(node: Node, ctx: ReadContext): T | undefined;
  abstract jsonSchema(): JsonSchema;
  /** Whether an explicit YAML null (`key:` with no value) is read like an empty mapping. */
  acceptsNull = false;
}

export type Infer<X> = X extends Type<infer T> ? T : never;

export function rangeOf(node: Node | null | undefined): Range {
  const r = node?.range;
  return r ? [r[0], r[1]] : [0, 0];
}

export function resolve(node: unknown, ctx: ReadContext): Node | null {
  if (isAlias(node)) return (node.resolve(ctx.doc) as Node | undefined) ?? null;
  return (node as Node | null) ?? null;
}

export function typeName(node: Node | null): string {
  if (node === null) return "nothing";
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return "null";
    if (typeof v === "string") return `the string ${quote(v)}`;
    if (typeof v === "symbol") return "the merge key <<";
    return `${typeof v} ${String(v)}`;
  }
  return "an unsupported node";
}

export function wrongType(node: Node | null, ctx: ReadContext, expected: string): undefined {
  ctx.report.error("WRONG_TYPE", rangeOf(node), `expected ${expected}, found ${typeName(node)}`);
  return undefined;
}

/**
 * The longest string a spec value may be. Everything a spec says ends up in a DAG file, in
 * Airflow's database and in AWS requests; no field needs more than this.
 */
export const MAX_STRING = 65_536;

/** Reports a string value longer than MAX_STRING; true when it fits. */
export function fitsLength(node: Node, value: string, ctx: ReadContext): boolean {
  if (value.length <= MAX_STRING) return true;
  ctx.report.error(
    "TOO_LARGE",
    rangeOf(node),
    `this value is ${value.length.toLocaleString("en-US")} characters long; a spec value has at most ${MAX_STRING.toLocaleString("en-US")}`,
  );
  return false;
}

/**
 * A number that is what the spec wrote. JavaScript (and so JSON in the Airflow UI) holds whole
 * numbers exactly only up to 2^53 - 1: 9007199254740993 would silently become ...992.
 */
export function exactNumber(node: Node, ctx: ReadContext): boolean {
  const v = (node as { value: unknown }).value;
  if (typeof v !== "number" || !Number.isInteger(v) || Number.isSafeInteger(v)) return true;
  const written = (node as { source?: string }).source ?? String(v);
  ctx.report.error(
    "INVALID_VALUE",
    rangeOf(node),
    `${quote(written)} is beyond ${Number.MAX_SAFE_INTEGER}, the largest whole number kept exactly; quote it to pass it as a string`,
  );
  return false;
}

// ---------------------------------------------------------------- merge keys

/** Whether a key is YAML's merge key `<<` (the parser reads it as a symbol with merge: true). */
function isMergeKey(key: unknown): boolean {
  return isScalar(key) && typeof key.value === "symbol";
}

function keyText(key: unknown, ctx: ReadContext): string | undefined {
  const k = resolve(key, ctx);
  if (!isScalar(k) || k.value === null || typeof k.value === "symbol") return undefined;
  return String(k.value);
}

/**
 * The pairs of a mapping as YAML's merge key defines them: `<<: *anchor` (or a list of
 * anchors, or a mapping) adds the pairs of those mappings that the mapping does not set
 * itself; of several, the first wins. Merged pairs keep their own source ranges (where the
 * key is written) and take the place of the `<<` in the order of keys.
 */
export function pairsOf(map: YAMLMap, ctx: ReadContext): Pair[] {
  if (!map.items.some((p) => isMergeKey(p.key))) return map.items as Pair[];
  const own = new Set<string>();
  for (const p of map.items) {
    const k = isMergeKey(p.key) ? undefined : keyText(p.key, ctx);
    if (k !== undefined) own.add(k);
  }
  const out: Pair[] = [];
  const merged = new Set<string>();
  for (const p of map.items as Pair[]) {
    if (!isMergeKey(p.key)) {
      out.push(p);
      continue;
    }
    for (const source of mergeSources(p, ctx)) {
      for (const q of pairsOf(source, ctx)) {
        const k = keyText(q.key, ctx);
        if (k !== undefined && (own.has(k) || merged.has(k))) continue;
        if (k !== undefined) merged.add(k);
        out.push(q);
      }
    }
  }
  return out;
}

function mergeSources(pair: Pair, ctx: ReadContext): YAMLMap[] {
  const value = resolve(pair.value, ctx);
  const items = isSeq(value) ? value.items.map((i) => resolve(i, ctx)) : [value];
  const out: YAMLMap[] = [];
  for (const item of items) {
    if (isMap(item)) out.push(item);
    else
      wrongType(
        item ?? (pair.key as Node),
        ctx,
        "a mapping to merge: << takes an alias of a mapping (*name) or a list of them",
      );
  }
  return out;
}

// ---------------------------------------------------------------- scalars

export interface StringOptions {
  pattern?: RegExp;
  patternHint?: string;
  code?: DiagnosticCode;
  minLength?: number;
  maxLength?: number;
  /** What to call the expected value when the node is not a string, e.g. "a duration". */
  what?: string;
}

export class StringType extends Type<string> {
  constructor(readonly options: StringOptions = {}) {
    super();
  }

  read(node: Node, ctx: ReadContext): string | undefined {
    const o = this.options;
    if (!isScalar(node) || typeof node.value !== "string")
      return wrongType(node, ctx, o.what ?? "a string");
    const v = node.value;
    if (!fitsLength(node, v, ctx)) return undefined;
    const bad =
      (o.minLength !== undefined && v.length < o.minLength) ||
      (o.maxLength !== undefined && v.length > o.maxLength) ||
      (o.pattern !== undefined && !o.pattern.test(v));
    if (bad) {
      ctx.report.error(
        o.code ?? "INVALID_VALUE",
        rangeOf(node),
        `${quote(v)} is not valid: ${o.patternHint ?? "see the spec reference"}`,
      );
      return undefined;
    }
    return v;
  }

  jsonSchema(): JsonSchema {
    const o = this.options;
    return {
      type: "string",
      ...(o.pattern ? { pattern: o.pattern.source } : {}),
      ...(o.minLength !== undefined ? { minLength: o.minLength } : {}),
      ...(o.maxLength !== undefined ? { maxLength: o.maxLength } : {}),
    };
  }
}

export class EnumType<T extends string> extends Type<T> {
  constructor(readonly values: readonly T[]) {
    super();
  }

  read(node: Node, ctx: ReadContext): T | undefined {
    if (!isScalar(node) || typeof node.value !== "string") {
      return wrongType(node, ctx, `one of ${this.values.join(", ")}`);
    }
    const v = node.value;
    if ((this.values as readonly string[]).includes(v)) return v as T;
    const { hint, suggestion } = suggest(v, this.values, rangeOf(node));
    ctx.report.error(
      "INVALID_VALUE",
      rangeOf(node),
      `${quote(v)} is not one of ${this.values.join(", ")}${hint}`,
      suggestion,
    );
    return undefined;
  }

  jsonSchema(): JsonSchema {
    return { type: "string", enum: [...this.values] };
  }
}

export class NumberType extends Type<number> {
  constructor(readonly options: { integer?: boolean; min?: number; max?: number } = {}) {
    super();
  }

  read(node: Node, ctx: ReadContext): number | undefined {
    const o = this.options;
    const what = o.integer ? "a whole number" : "a number";
    if (!isScalar(node) || typeof node.value !== "number" || !Number.isFinite(node.value)) {
      return wrongType(node, ctx, what);
    }
    const v = node.value;
    if (o.integer && !Number.isInteger(v)) return wrongType(node, ctx, what);
    if (!exactNumber(node, ctx)) return undefined;
    if ((o.min !== undefined && v < o.min) || (o.max !== undefined && v > o.max)) {
      const bounds = [
        o.min !== undefined ? `at least ${o.min}` : "",
        o.max !== undefined ? `at most ${o.max}` : "",
      ];
      ctx.report.error(
        "INVALID_VALUE",
        rangeOf(node),
        `${v} must be ${bounds.filter(Boolean).join(" and ")}`,
      );
      return undefined;
    }
    return v;
  }

  jsonSchema(): JsonSchema {
    const o = this.options;
    return {
      type: o.integer ? "integer" : "number",
      ...(o.min !== undefined ? { minimum: o.min } : {}),
      ...(o.max !== undefined ? { maximum: o.max } : {}),
    };
  }
}

export class BooleanType extends Type<boolean> {
  read(node: Node, ctx: ReadContext): boolean | undefined {
    if (!isScalar(node) || typeof node.value !== "boolean")
      return wrongType(node, ctx, "true or false");
    return node.value;
  }

  jsonSchema(): JsonSchema {
    return { type: "boolean" };
  }
}

/** Any string, number or boolean, kept as written (for params and helper arguments). */
export type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };

export class PlainType extends Type<Plain> {
  read(node: Node, ctx: ReadContext): Plain | undefined {
    const n = resolve(node, ctx);
    if (n === null) return null;
    if (isScalar(n)) {
      const v = n.value;
      if (typeof v === "string") return fitsLength(n, v, ctx) ? v : undefined;
      if (v === null || typeof v === "boolean") return v;
      if (typeof v === "number" && Number.isFinite(v)) return exactNumber(n, ctx) ? v : undefined;
      return wrongType(n, ctx, "a string, finite number, boolean or null");
    }
    if (isSeq(n)) {
      const out: Plain[] = [];
      for (const item of n.items) {
        const v = this.read(item as Node, ctx);
        if (v === undefined) return undefined;
        out.push(v);
      }
      return out;
    }
    if (isMap(n)) {
      const out: { [key: string]: Plain } = {};
      for (const pair of pairsOf(n, ctx)) {
        const key = readKey(pair, ctx);
        if (key === undefined) return undefined;
        const v = this.read(pair.value as Node, ctx);
        if (v === undefined) return undefined;
        out[key.value] = v;
      }
      return out;
    }
    return wrongType(n, ctx, "a value");
  }

  jsonSchema(): JsonSchema {
    return {};
  }
}

/** Wraps a type so the value keeps its source range. */
export class LocatedType<T> extends Type<Located<T>> {
  constructor(readonly inner: Type<T>) {
    super();
    this.acceptsNull = inner.acceptsNull;
  }

  read(node: Node, ctx: ReadContext): Located<T> | undefined {
    const value = this.inner.read(node, ctx);
    return value === undefined ? undefined : { value, range: rangeOf(node) };
  }

  jsonSchema(): JsonSchema {
    return this.inner.jsonSchema();
  }
}

// ---------------------------------------------------------------- collections

export class ListType<T> extends Type<T[]> {
  constructor(
    readonly item: Type<T>,
    readonly options: { minItems?: number } = {},
  ) {
    super();
  }

  read(node: Node, ctx: ReadContext): T[] | undefined {
    if (!isSeq(node)) return wrongType(node, ctx, "a list");
    if (this.options.minItems !== undefined && node.items.length < this.options.minItems) {
      ctx.report.error(
        "INVALID_VALUE",
        rangeOf(node),
        `needs at least ${this.options.minItems} item(s)`,
      );
      return undefined;
    }
    const out: T[] = [];
    let ok = true;
    for (const raw of node.items) {
      const item = resolve(raw, ctx);
      const v = item === null ? wrongType(item, ctx, "a list item") : this.item.read(item, ctx);
      if (v === undefined) ok = false;
      else out.push(v);
    }
    return ok ? out : undefined;
  }

  jsonSchema(): JsonSchema {
    const min = this.options.minItems;
    return { type: "array", items: this.item.jsonSchema(), ...(min ? { minItems: min } : {}) };
  }
}

export interface Entry<T> {
  key: string;
  keyRange: Range;
  value: T;
  valueRange: Range;
}

function readKey(pair: Pair, ctx: ReadContext): Located<string> | undefined {
  const k = resolve(pair.key, ctx);
  if (k === null) {
    ctx.report.error("WRONG_TYPE", rangeOf(pair.value as Node), "this entry has no key");
    return undefined;
  }
  if (!isScalar(k) || (typeof k.value !== "string" && typeof k.value !== "number")) {
    return wrongType(k, ctx, "a string key");
  }
  return { value: String(k.value), range: rangeOf(k) };
}

/** A mapping with names chosen by the user (tasks, datasets, params): order is kept. */
export class RecordType<T> extends Type<Entry<T>[]> {
  constructor(
    readonly value: Type<T>,
    readonly key: StringType = new StringType(),
    /** The most entries the service behind the record takes. */
    readonly maxEntries?: number,
  ) {
    super();
    this.acceptsNull = true;
  }

  read(node: Node, ctx: ReadContext): Entry<T>[] | undefined {
    if (isScalar(node) && node.value === null) return [];
    if (!isMap(node)) return wrongType(node, ctx, "a mapping");
    const out: Entry<T>[] = [];
    let ok = true;
    const pairs = pairsOf(node, ctx);
    if (this.maxEntries !== undefined && pairs.length > this.maxEntries) {
      ctx.report.error(
        "INVALID_VALUE",
        rangeOf(node),
        `${pairs.length} entries here; at most ${this.maxEntries} are allowed`,
      );
      return undefined;
    }
    for (const pair of pairs) {
      const key = readKey(pair, ctx);
      const keyNode = resolve(pair.key, ctx);
      const keyOk = key !== undefined && this.key.read(keyNode as Node, ctx) !== undefined;
      const valueNode = resolve(pair.value, ctx);
      const value = readValue(this.value, valueNode, key?.range ?? rangeOf(keyNode), ctx);
      if (!keyOk || key === undefined || value === undefined) {
        ok = false;
        continue;
      }
      out.push({
        key: key.value,
        keyRange: key.range,
        value,
        valueRange: rangeOf(valueNode ?? keyNode),
      });
    }
    return ok ? out : undefined;
  }

  jsonSchema(): JsonSchema {
    return {
      type: "object",
      propertyNames: this.key.jsonSchema(),
      additionalProperties: this.value.jsonSchema(),
      ...(this.maxEntries !== undefined ? { maxProperties: this.maxEntries } : {}),
    };
  }
}

function readValue<T>(
  type: Type<T>,
  node: Node | null,
  keyRange: Range,
  ctx: ReadContext,
): T | undefined {
  if (node === null || (isScalar(node) && node.value === null && !(type instanceof PlainType))) {
    if (type.acceptsNull) {
      // `key:` with nothing after it reads as an empty mapping for types that allow it.
      return type.read(node ?? ctx.doc.createNode(null), ctx);
    }
    ctx.report.error(
      "WRONG_TYPE",
      node?.range ? rangeOf(node) : keyRange,
      "a value is required here",
    );
    return undefined;
  }
  return type.read(node, ctx);
}

export interface Field<T, R extends boolean> {
  type: Type<T>;
  required: R;
  description: string;
}

export function required<T>(type: Type<T>, description: string): Field<T, true> {
  return { type, required: true, description };
}

export function optional<T>(type: Type<T>, description: string): Field<T, false> {
  return { type, required: false, description };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Shape = Record<string, Field<any, boolean>>;

type RequiredKeys<S extends Shape> = {
  [K in keyof S]: S[K]["required"] extends true ? K : never;
}[keyof S];
type OptionalKeys<S extends Shape> = Exclude<keyof S, RequiredKeys<S>>;
export type ObjectValue<S extends Shape> = {
  [K in RequiredKeys<S>]: Infer<S[K]["type"]>;
} & { [K in OptionalKeys<S>]?: Infer<S[K]["type"]> } & { readonly $ranges: Record<string, Range> };

/** A mapping with a fixed set of keys: unknown keys are rejected with a suggestion. */
export class ObjectType<S extends Shape> extends Type<ObjectValue<S>> {
  constructor(
    readonly shape: S,
    readonly options: { description?: string; what?: string } = {},
  ) {
    super();
    this.acceptsNull = Object.values(shape).every((f) => !f.required);
  }

  read(node: Node, ctx: ReadContext): ObjectValue<S> | undefined {
    const out: Record<string, unknown> = {};
    const ranges: Record<string, Range> = { $self: rangeOf(node) };
    if (isScalar(node) && node.value === null && this.acceptsNull) {
      return Object.assign(out, { $ranges: ranges }) as ObjectValue<S>;
    }
    if (!isMap(node)) return wrongType(node, ctx, this.options.what ?? "a mapping");
    let ok = true;
    const pairs = pairsOf(node, ctx);
    const given = new Set(pairs.map((p) => keyText(p.key, ctx)));
    for (const pair of pairs) {
      const key = readKey(pair, ctx);
      if (key === undefined) {
        ok = false;
        continue;
      }
      const field = Object.prototype.hasOwnProperty.call(this.shape, key.value)
        ? this.shape[key.value]
        : undefined;
      if (!field) {
        // A key the mapping already has is no likely meaning of a typo.
        const free = Object.keys(this.shape).filter((k) => !given.has(k));
        const { hint, suggestion } = suggest(key.value, free, key.range);
        ctx.report.error(
          "UNKNOWN_KEY",
          key.range,
          `unknown key ${quote(key.value)}${hint}`,
          suggestion,
        );
        ok = false;
        continue;
      }
      ranges[key.value] = key.range;
      const valueNode = resolve(pair.value, ctx);
      const v = readValue(field.type, valueNode, key.range, ctx);
      if (v === undefined) ok = false;
      else out[key.value] = v;
    }
    for (const [name, field] of Object.entries(this.shape)) {
      if (field.required && !(name in ranges)) {
        ctx.report.error("MISSING_KEY", rangeOf(node), `missing required key "${name}"`, {
          message: `add ${name}: to this mapping`,
        });
        ok = false;
      }
    }
    return ok ? (Object.assign(out, { $ranges: ranges }) as ObjectValue<S>) : undefined;
  }

  jsonSchema(): JsonSchema {
    const properties: Record<string, JsonSchema> = {};
    for (const [name, field] of Object.entries(this.shape)) {
      properties[name] = { description: field.description, ...field.type.jsonSchema() };
    }
    const req = Object.entries(this.shape)
      .filter(([, f]) => f.required)
      .map(([n]) => n);
    return {
      type: this.acceptsNull ? ["object", "null"] : "object",
      ...(this.options.description ? { description: this.options.description } : {}),
      properties,
      ...(req.length ? { required: req } : {}),
      additionalProperties: false,
    };
  }
}

/** A type whose value is checked or converted after reading, e.g. a duration string. */
export class RefinedType<A, B> extends Type<B> {
  constructor(
    readonly base: Type<A>,
    readonly refine: (value: A, range: Range, ctx: ReadContext) => B | undefined,
    readonly schema: JsonSchema = base.jsonSchema(),
  ) {
    super();
    this.acceptsNull = base.acceptsNull;
  }

  read(node: Node, ctx: ReadContext): B | undefined {
    const v = this.base.read(node, ctx);
    return v === undefined ? undefined : this.refine(v, rangeOf(node), ctx);
  }

  jsonSchema(): JsonSchema {
    return this.schema;
  }
}

export const t = {
  string: (o?: StringOptions) => new StringType(o),
  oneOf: <T extends string>(values: readonly T[]) => new EnumType(values),
  number: (o?: { min?: number; max?: number }) => new NumberType(o),
  integer: (o?: { min?: number; max?: number }) => new NumberType({ ...o, integer: true }),
  boolean: () => new BooleanType(),
  plain: () => new PlainType(),
  list: <T>(item: Type<T>, o?: { minItems?: number }) => new ListType(item, o),
  record: <T>(value: Type<T>, key?: StringType, o?: { maxEntries?: number }) =>
    new RecordType(value, key, o?.maxEntries),
  object: <S extends Shape>(shape: S, o?: { description?: string; what?: string }) =>
    new ObjectType(shape, o),
  located: <T>(inner: Type<T>) => new LocatedType(inner),
};
