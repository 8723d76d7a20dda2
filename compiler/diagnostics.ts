// Errors are data: every stage returns diagnostics instead of throwing, so one run reports all
// problems of all specs. Codes are a closed union, defined with their meaning in CODES, from
// which docs/diagnostics.md is generated.

export const CODES = {
  INVALID_ENCODING:
    "The file is not UTF-8, or holds a control character YAML does not allow (reported at the byte).",
  INVALID_FILE_NAME:
    "A spec file whose name is not letters, digits, `.`, `-` and `_` ending in `.yaml` or `.yml`.",
  YAML_SYNTAX: "The file is not valid YAML.",
  EMPTY_FILE: "The file holds nothing but comments or white space.",
  DUPLICATE_KEY: "A key appears twice in one mapping, e.g. two tasks with one id.",
  ALIAS_EXPANSION:
    "A YAML alias (`*name`) that would expand the spec past the compiler's bound (an alias bomb), or that refers to the node holding it.",
  TOO_LARGE:
    "A value longer than the compiler writes into a DAG, or YAML nested deeper than a spec needs.",
  UNKNOWN_KEY: "A key the spec language does not have; the nearest valid key is suggested.",
  MISSING_KEY:
    "A required key is absent (`pipeline`, `tasks`, a kind's required argument, `startDate` with `catchup: true`).",
  WRONG_TYPE: "A value of the wrong type, e.g. a string where a number belongs.",
  INVALID_VALUE:
    "A value of the right type outside what Airflow or AWS accepts (ranges, lengths, enums, path shapes).",
  INVALID_ID: "A pipeline id, task id, dataset or param name that breaks the naming rules.",
  INVALID_CRON: "A schedule that is not a valid five-field cron expression.",
  INVALID_DURATION:
    "A duration not written like `90s`, `2m`, `1h30m` or `1d`, or longer than its setting allows.",
  INVALID_DATE: "A date that is not a real `YYYY-MM-DD` date.",
  TASK_KIND: "A task without a kind key, or with two.",
  UNKNOWN_TASK: "`after:`, a gate's branch or a reference names a task that does not exist.",
  UNKNOWN_DATASET: "A task names a dataset the spec does not declare.",
  UNKNOWN_REFERENCE: "A `${...}` reference, topic or function that does not resolve.",
  MISSING_FILE:
    "A Glue script, processing script, function source or helper module that does not exist.",
  OUTSIDE_PROJECT:
    "A path that leads outside the project folder (absolute, through `..`, or through a symbolic link).",
  NOT_UPSTREAM:
    "A task reads another task's output (`${tasks.<id>.<output>}`, a gate's `metric: { task: }`) without running after it.",
  BRANCH_JOIN:
    "A task after both sides of a gate with a trigger rule (`all_success`, `none_skipped`) that the skipped side would stop.",
  UNKNOWN_PIPELINE: "`trigger.dag` names a pipeline that no spec in `dags-src/` defines.",
  CYCLE: "Tasks that depend on each other in a circle (the path is printed) or on themselves.",
  DUPLICATE_DAG_ID: "Two specs with one pipeline id.",
  NAME_COLLISION:
    "Two pipeline ids that differ only by `-` versus `_`, which would share a file and variable names.",
} as const satisfies Record<string, string>;

export type DiagnosticCode = keyof typeof CODES;

export type Severity = "error" | "warning";

/** A place in a source file: 1-based line and column, plus the [start, end) offsets. */
export interface Location {
  file: string;
  line: number;
  col: number;
  range: [number, number];
}

/** A fix an editor can offer: what to do, and the edit that does it when there is one. */
export interface Suggestion {
  /** The fix in words, as the message says it. */
  message: string;
  /** Replace this range of the file with `text`. */
  replace?: { range: [number, number]; text: string };
}

export interface Diagnostic extends Location {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  suggestion?: Suggestion;
}

/** A spec file's text with a line index, so offsets from the YAML parser become line:col. */
export class SourceFile {
  private readonly lineStarts: number[] = [0];

  constructor(
    readonly path: string,
    readonly text: string,
  ) {
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) {
      this.lineStarts.push(i + 1);
    }
  }

  location(range: readonly [number, number]): Location {
    const start = Math.max(0, Math.min(range[0], this.text.length));
    const end = Math.max(start, Math.min(range[1], this.text.length));
    const line = this.lineOf(start);
    return {
      file: this.path,
      line: line + 1,
      col: start - this.lineStarts[line]! + 1,
      range: [start, end],
    };
  }

  lineText(line: number): string {
    const start = this.lineStarts[line - 1] ?? this.text.length;
    const next = this.lineStarts[line];
    const end = next === undefined ? this.text.length : next - 1;
    const text = this.text.slice(start, end);
    return text.endsWith("\r") ? text.slice(0, -1) : text;
  }

  private lineOf(offset: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** Collects diagnostics for one source file. */
export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  private readonly seen = new Set<string>();

  constructor(readonly source: SourceFile) {}

  error(
    code: DiagnosticCode,
    range: readonly [number, number] | undefined,
    message: string,
    suggestion?: Suggestion,
  ): void {
    const where = this.source.location(range ?? [0, 0]);
    // The YAML parser and the stages can report one fault twice; say each thing once.
    const key = `${where.range[0]} ${code} ${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.diagnostics.push({
      ...where,
      code,
      severity: "error",
      message,
      ...(suggestion ? { suggestion } : {}),
    });
  }
}

// ---------------------------------------------------------------- showing values

const SHOWN_MAX = 60;

/**
 * Characters that must not reach a terminal raw: controls (ANSI escapes start with ESC),
 * line and paragraph separators, bidirectional overrides, and lone surrogates.
 */
const UNSAFE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  if (c === "\n") return "\\n";
  if (c === "\r") return "\\r";
  if (c === "\t") return "\\t";
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** Text with every unsafe character written as an escape, so it prints as what it is. */
export function visible(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/**
 * A value from a spec as a message shows it: quoted, escaped (no control characters reach the
 * terminal) and cut to `max` characters with a note of its full length.
 */
export function quote(value: unknown, max = SHOWN_MAX): string {
  const s = typeof value === "string" ? value : String(value);
  const cut = [...s];
  const head = cut.length > max ? cut.slice(0, max).join("") : s;
  const body = visible(head.replace(/["\\]/g, (c) => `\\${c}`));
  return cut.length > max ? `"${body}…" (${cut.length} characters)` : `"${body}"`;
}

// ---------------------------------------------------------------- printing

/** How much of a source line an excerpt shows. */
const EXCERPT_WIDTH = 120;
/** A message longer than this is cut; values in messages are cut much earlier by quote(). */
const MESSAGE_MAX = 400;

/** `file:line:col CODE message`, the source line, and a caret under the offending range. */
export function formatDiagnostic(d: Diagnostic, source: SourceFile | undefined): string {
  const message =
    d.message.length > MESSAGE_MAX ? d.message.slice(0, MESSAGE_MAX) + "…" : d.message;
  const head = `${visible(d.file)}:${d.line}:${d.col} ${d.code} ${visible(message)}`;
  if (!source) return head;
  const text = source.lineText(d.line);
  if (text === "" && d.range[0] >= source.text.length) return head;
  const at = d.col - 1;
  const width = Math.max(1, Math.min(d.range[1] - d.range[0], text.length - at));
  // A long line shows a window around the column; "…" marks what is cut.
  const start =
    text.length <= EXCERPT_WIDTH ? 0 : Math.max(0, Math.min(at - 20, text.length - EXCERPT_WIDTH));
  const end = Math.min(text.length, start + EXCERPT_WIDTH);
  const before = (start > 0 ? "…" : "") + shown(text.slice(start, at));
  const marked = shown(text.slice(at, Math.min(at + width, end)));
  const excerpt =
    before + marked + shown(text.slice(at + marked.length, end)) + (end < text.length ? "…" : "");
  const gutter = `${d.line} | `;
  // Tabs stay tabs under the line so the caret lines up however the terminal shows them.
  const pad = before.replace(/[^\t]/g, " ");
  const caret = `${" ".repeat(gutter.length - 2)}| ${pad}${"^".repeat(Math.max(1, marked.length))}`;
  return `${head}\n${gutter}${excerpt}\n${caret}`;
}

function shown(text: string): string {
  return text.replace(UNSAFE, (c) => (c === "\t" ? c : escapeChar(c)));
}

export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return [...ds].sort(
    (a, b) =>
      a.file.localeCompare(b.file) || a.range[0] - b.range[0] || a.code.localeCompare(b.code),
  );
}

// ---------------------------------------------------------------- suggestions

/** The closest candidate by edit distance, if it is close enough to be a likely typo. */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  const best = closest(word, candidates);
  return best && best.distance <= typoLimit(word) ? best.candidate : undefined;
}

function typoLimit(word: string): number {
  return Math.max(1, Math.floor(word.length / 3));
}

function closest(
  word: string,
  candidates: Iterable<string>,
): { candidate: string; distance: number } | undefined {
  let best: { candidate: string; distance: number } | undefined;
  // Words far longer than any name are not typos of one; skip the quadratic distance.
  if (word.length > 100) return undefined;
  for (const c of candidates) {
    const distance = editDistance(word.toLowerCase(), c.toLowerCase());
    if (!best || distance < best.distance || (distance === best.distance && c < best.candidate))
      best = { candidate: c, distance };
  }
  return best;
}

/**
 * Of several misspelt words, the one most likely meant as one of the candidates: the pair with
 * the smallest edit distance relative to the typo allowance. `aftr` and `emtpy` in a task
 * without a kind give `emtpy` → `empty`.
 */
export function bestGuess<W extends { text: string }>(
  words: readonly W[],
  candidates: readonly string[],
): { word: W; candidate: string } | undefined {
  let best: { word: W; candidate: string; score: number } | undefined;
  for (const word of words) {
    const c = closest(word.text, candidates);
    if (!c || c.distance > typoLimit(word.text)) continue;
    const score = c.distance / typoLimit(word.text);
    if (!best || score < best.score) best = { word, candidate: c.candidate, score };
  }
  return best && { word: best.word, candidate: best.candidate };
}

export function didYouMean(word: string, candidates: Iterable<string>): string {
  const n = nearest(word, candidates);
  return n === undefined ? "" : `; did you mean "${n}"?`;
}

/**
 * A did-you-mean hint for a message, and the structured suggestion that goes with it: replace
 * `range` (where `word` is written) with the nearest candidate. `wrap` turns the candidate
 * into the replacement text, e.g. a whole `${...}` reference.
 */
export function suggest(
  word: string,
  candidates: Iterable<string>,
  range: readonly [number, number],
  wrap: (candidate: string) => string = (c) => c,
): { hint: string; suggestion?: Suggestion } {
  const n = nearest(word, candidates);
  if (n === undefined) return { hint: "" };
  const message = `did you mean "${n}"?`;
  return {
    hint: `; ${message}`,
    suggestion: { message, replace: { range: [range[0], range[1]], text: wrap(n) } },
  };
}

/** Edit distance where swapping two neighbouring letters counts as one edit (a common typo). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [
    i,
    ...new Array<number>(b.length).fill(0),
  ]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}
