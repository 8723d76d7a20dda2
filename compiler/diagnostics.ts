// Errors are data: every stage returns diagnostics instead of throwing, so one run reports all
// problems of all specs. Codes are a closed union; docs/diagnostics.md explains each one.

export type DiagnosticCode =
  | "YAML_SYNTAX"
  | "EMPTY_FILE"
  | "DUPLICATE_KEY"
  | "UNKNOWN_KEY"
  | "MISSING_KEY"
  | "WRONG_TYPE"
  | "INVALID_VALUE"
  | "INVALID_ID"
  | "INVALID_CRON"
  | "INVALID_DURATION"
  | "INVALID_DATE"
  | "TASK_KIND"
  | "UNKNOWN_TASK"
  | "UNKNOWN_DATASET"
  | "UNKNOWN_REFERENCE"
  | "MISSING_FILE"
  | "NOT_UPSTREAM"
  | "BRANCH_JOIN"
  | "UNKNOWN_PIPELINE"
  | "CYCLE"
  | "DUPLICATE_DAG_ID"
  | "NAME_COLLISION";

export type Severity = "error" | "warning";

/** A place in a source file: 1-based line and column, plus the [start, end) offsets. */
export interface Location {
  file: string;
  line: number;
  col: number;
  range: [number, number];
}

export interface Diagnostic extends Location {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
}

/** A spec file's text with a line index, so offsets from the YAML parser become line:col. */
export class SourceFile {
  private readonly lineStarts: number[] = [0];

  constructor(
    readonly path: string,
    readonly text: string,
  ) {
    for (let i = 0; i < text.length; i++) {
      if (text[i] === "\n") this.lineStarts.push(i + 1);
    }
  }

  location(range: readonly [number, number]): Location {
    const [start, end] = range;
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
    return this.text.slice(start, end).replace(/\r$/, "");
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

  constructor(readonly source: SourceFile) {}

  error(code: DiagnosticCode, range: readonly [number, number] | undefined, message: string): void {
    const where = this.source.location(range ?? [0, 0]);
    const same = (d: Diagnostic) =>
      d.range[0] === where.range[0] && d.code === code && d.message === message;
    // The YAML parser can report one fault twice; say each thing once.
    if (!this.diagnostics.some(same))
      this.diagnostics.push({ ...where, code, severity: "error", message });
  }
}

/** `file:line:col CODE message`, the source line, and a caret under the offending range. */
export function formatDiagnostic(d: Diagnostic, source: SourceFile | undefined): string {
  const head = `${d.file}:${d.line}:${d.col} ${d.code} ${d.message}`;
  if (!source) return head;
  const text = source.lineText(d.line);
  if (text === "" && d.range[0] >= source.text.length) return head;
  const gutter = `${d.line} | `;
  const lineEnd = text.length - (d.col - 1);
  const width = Math.max(1, Math.min(d.range[1] - d.range[0], lineEnd));
  const caret = " ".repeat(gutter.length - 2) + "| " + " ".repeat(d.col - 1) + "^".repeat(width);
  return `${head}\n${gutter}${text}\n${caret}`;
}

export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return [...ds].sort(
    (a, b) =>
      a.file.localeCompare(b.file) || a.range[0] - b.range[0] || a.code.localeCompare(b.code),
  );
}

/** The closest candidate by edit distance, if it is close enough to be a likely typo. */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance || (d === bestDistance && best !== undefined && c < best)) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(1, Math.floor(word.length / 3));
  return bestDistance <= limit ? best : undefined;
}

export function didYouMean(word: string, candidates: Iterable<string>): string {
  const n = nearest(word, candidates);
  return n === undefined ? "" : `; did you mean "${n}"?`;
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
