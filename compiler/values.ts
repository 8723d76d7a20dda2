// Value types of the spec language that need more than a YAML scalar: durations, cron
// schedules, dates, identifiers, and strings with `${...}` references.

import { isScalar, type Node } from "yaml";
import {
  RefinedType,
  fitsLength,
  StringType,
  Type,
  rangeOf,
  wrongType,
  type ReadContext,
  type Range,
} from "./schema";
import { quote } from "./diagnostics";
import { SNS_SUBJECT_MAX } from "./limits";

// ---------------------------------------------------------------- durations

const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** "90s", "2m", "1h30m", "1d" → seconds. Numbers are refused: a bare 30 could mean anything. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m || text === "") return undefined;
  const [d, h, min, s] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number];
  const total = ((d * 24 + h) * 60 + min) * 60 + s;
  return total > 0 ? total : undefined;
}

/**
 * The longest duration any setting takes unless it says otherwise. Python's timedelta and
 * Airflow's date arithmetic overflow long before 9999999999d; a year is beyond any timeout or
 * delay a pipeline needs.
 */
export const MAX_DURATION = 365 * 86400;

/** "1h30m" for a number of seconds, the way specs write durations. */
export function formatDuration(seconds: number): string {
  const units: [string, number][] = [
    ["d", 86400],
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ];
  let left = seconds;
  let out = "";
  for (const [unit, size] of units) {
    const n = Math.floor(left / size);
    if (n) out += `${n}${unit}`;
    left -= n * size;
  }
  return out || "0s";
}

export const duration = (o: { max?: number } = {}): Type<number> =>
  new RefinedType(
    new StringType({ what: "a duration such as 90s, 2m or 1h30m" }),
    (text, range, ctx) => {
      const seconds = parseDuration(text);
      const max = o.max ?? MAX_DURATION;
      if (seconds === undefined) {
        ctx.report.error(
          "INVALID_DURATION",
          range,
          `${quote(text)} is not a duration: write e.g. 90s, 2m, 1h30m or 1d`,
        );
      } else if (seconds > max) {
        ctx.report.error(
          "INVALID_DURATION",
          range,
          `${quote(text)} is longer than ${formatDuration(max)}, the most this setting allows`,
        );
        return undefined;
      }
      return seconds;
    },
    { type: "string", pattern: "^(\\d+d)?(\\d+h)?(\\d+m)?(\\d+s)?$", examples: ["2m", "1h30m"] },
  );

// ---------------------------------------------------------------- schedules

export const PRESETS = ["@once", "@hourly", "@daily", "@weekly", "@monthly", "@yearly"] as const;

const CRON_FIELDS: { name: string; min: number; max: number; names?: string[] }[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  {
    name: "month",
    min: 1,
    max: 12,
    names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
  },
  { name: "day of week", min: 0, max: 7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
];

/** Checks a five-field cron expression; returns a reason when it is not valid. */
export function cronProblem(expr: string): string | undefined {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) {
    return `a cron expression has 5 fields (minute hour day-of-month month day-of-week), found ${fields.length}`;
  }
  for (let i = 0; i < 5; i++) {
    const spec = CRON_FIELDS[i]!;
    for (const part of fields[i]!.split(",")) {
      const problem = cronPartProblem(part, spec);
      if (problem) return `${spec.name} field ${quote(fields[i])}: ${problem}`;
    }
  }
  return neverProblem(fields[2]!, fields[3]!);
}

/** The longest each month gets (February in a leap year). */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A day of month that none of the months has (`0 0 31 2 *`): Airflow imports the DAG but
 * croniter never finds a run, so it would never be scheduled.
 */
function neverProblem(dayField: string, monthField: string): string | undefined {
  if (dayField === "*") return undefined;
  const days = cronValues(dayField, CRON_FIELDS[2]!);
  const months = cronValues(monthField, CRON_FIELDS[3]!);
  const first = Math.min(...days);
  if ([...months].some((m) => MONTH_DAYS[m - 1]! >= first)) return undefined;
  return `day ${first} never comes in month ${[...months].join(",")}, so the schedule would never run`;
}

/** The values a valid cron field stands for. */
function cronValues(field: string, spec: (typeof CRON_FIELDS)[number]): Set<number> {
  const out = new Set<number>();
  const value = (bound: string) => {
    const named = spec.names?.indexOf(bound.toLowerCase()) ?? -1;
    return named >= 0 ? named + (spec.name === "month" ? 1 : 0) : Number(bound);
  };
  for (const part of field.split(",")) {
    const [base, stepText] = part.split("/") as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    const [lo, hi] =
      base === "*"
        ? [spec.min, spec.max]
        : base.includes("-")
          ? (base.split("-").map(value) as [number, number])
          : [value(base), stepText === undefined ? value(base) : spec.max];
    // A range written high-low wraps around, as croniter reads it.
    const span = hi >= lo ? hi - lo : hi + (spec.max - spec.min + 1) - lo;
    for (let k = 0; k <= span; k += step) {
      out.add(((lo - spec.min + k) % (spec.max - spec.min + 1)) + spec.min);
    }
  }
  return out;
}

function cronPartProblem(part: string, spec: (typeof CRON_FIELDS)[number]): string | undefined {
  const m = /^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:\/(\d+))?$/i.exec(part);
  if (!m) return `${quote(part)} is not a value, range, list or step`;
  const [, base, step] = m;
  if (step !== undefined && Number(step) < 1) return `step "${step}" must be at least 1`;
  if (base === "*") return undefined;
  for (const bound of base!.split("-")) {
    const lower = bound.toLowerCase();
    const named = spec.names?.indexOf(lower) ?? -1;
    const value =
      named >= 0
        ? named + (spec.name === "month" ? 1 : 0)
        : /^\d+$/.test(bound)
          ? Number(bound)
          : NaN;
    if (Number.isNaN(value))
      return `${quote(bound)} is not a number${spec.names ? " or name" : ""}`;
    if (value < spec.min || value > spec.max) return `${value} is outside ${spec.min}-${spec.max}`;
  }
  return undefined;
}

export type Schedule =
  { kind: "none" } | { kind: "preset"; value: string } | { kind: "cron"; value: string };

export const schedule = (): Type<Schedule> =>
  new RefinedType(
    new StringType({ what: 'a schedule ("none", a preset such as @daily, or a cron expression)' }),
    (text, range, ctx): Schedule | undefined => {
      if (text === "none") return { kind: "none" };
      if (text.startsWith("@")) {
        if ((PRESETS as readonly string[]).includes(text)) return { kind: "preset", value: text };
        ctx.report.error(
          "INVALID_VALUE",
          range,
          `unknown schedule preset ${quote(text)}; use one of ${PRESETS.join(", ")}`,
        );
        return undefined;
      }
      const problem = cronProblem(text);
      if (problem) {
        ctx.report.error("INVALID_CRON", range, `invalid cron expression: ${problem}`);
        return undefined;
      }
      return { kind: "cron", value: text.trim().split(/\s+/).join(" ") };
    },
    {
      type: "string",
      description: `"none", a preset (${PRESETS.join(", ")}) or a five-field cron expression`,
      examples: ["@daily", "0 3 * * 1-5", "none"],
    },
  );

// ---------------------------------------------------------------- dates

/** A calendar date, YYYY-MM-DD, read as midnight UTC. */
export const date = (): Type<[number, number, number]> =>
  new RefinedType(
    new StringType({ what: "a date, YYYY-MM-DD" }),
    (text, range, ctx): [number, number, number] | undefined => {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
      const parts = m
        ? ([Number(m[1]), Number(m[2]), Number(m[3])] as [number, number, number])
        : undefined;
      if (parts) {
        const d = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2]));
        if (
          d.getUTCFullYear() === parts[0] &&
          d.getUTCMonth() === parts[1] - 1 &&
          d.getUTCDate() === parts[2]
        ) {
          return parts;
        }
      }
      ctx.report.error("INVALID_DATE", range, `${quote(text)} is not a date: write YYYY-MM-DD`);
      return undefined;
    },
    { type: "string", format: "date" },
  );

// ---------------------------------------------------------------- identifiers

/** Pipeline ids become DAG ids, S3-safe resource names and Airflow Variable names. */
export const PIPELINE_ID = /^[a-z][a-z0-9_-]{0,62}$/;
/** Task ids and dataset names become Python identifiers and Airflow task ids. */
export const NAME = /^[a-z][a-z0-9_]{0,62}$/;

export const pipelineId = () =>
  new StringType({
    pattern: PIPELINE_ID,
    code: "INVALID_ID",
    patternHint:
      "a pipeline id starts with a lowercase letter and has at most 63 lowercase letters, digits, - and _",
  });

export const name = (what: string) =>
  new StringType({
    pattern: NAME,
    code: "INVALID_ID",
    patternHint: `a ${what} starts with a lowercase letter and has at most 63 lowercase letters, digits and _`,
  });

// ---------------------------------------------------------------- SNS subjects

/** One line of text SNS takes as a subject: no line breaks or control characters. */
export const SNS_SUBJECT = /^[^\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}][^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]*$/u;

export const snsSubject = () =>
  new StringType({
    pattern: SNS_SUBJECT,
    maxLength: SNS_SUBJECT_MAX,
    patternHint: `SNS takes a subject of one line of less than ${SNS_SUBJECT_MAX + 1} characters, without control characters, not starting with a space`,
  });

/**
 * What SNS would refuse in a templated subject, judged from its literal text (references add
 * more when the task runs).
 */
export function subjectProblem(t: Template): string | undefined {
  let length = 0;
  for (const p of t.parts) {
    if (p.kind !== "text") continue;
    length += [...p.text].length;
    if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(p.text))
      return "an SNS subject is one line without control characters";
  }
  return length > SNS_SUBJECT_MAX
    ? `an SNS subject has less than ${SNS_SUBJECT_MAX + 1} characters; this one has ${length} before its references`
    : undefined;
}

// ---------------------------------------------------------------- templates

/**
 * A string that may hold references such as `${datasets.raw.uri}` or `${params.threshold}`.
 * References are resolved by the compiler into Airflow templating; all other text stays
 * literal (the emitter escapes it so Jinja never interprets it). `$$` writes a literal `$`.
 */
export interface Template {
  parts: TemplatePart[];
  range: Range;
}

export type TemplatePart =
  { kind: "text"; text: string } | { kind: "ref"; path: string[]; range: Range };

export class TemplateType extends Type<Template> {
  read(node: Node, ctx: ReadContext): Template | undefined {
    if (!isScalar(node)) return wrongType(node, ctx, "a string");
    if (typeof node.value !== "string") {
      // Numbers and booleans are accepted where a string is expected and kept as written.
      if (typeof node.value === "number" || typeof node.value === "boolean") {
        const text = String(node.source ?? node.value);
        return { parts: [{ kind: "text", text }], range: rangeOf(node) };
      }
      return wrongType(node, ctx, "a string");
    }
    if (!fitsLength(node, node.value, ctx)) return undefined;
    return parseTemplate(node.value, rangeOf(node), ctx);
  }

  jsonSchema() {
    return { type: ["string", "number", "boolean"] };
  }
}

export const template = () => new TemplateType();

/** The template's parts; every malformed `${...}` in it is reported, not only the first. */
function parseTemplate(value: string, range: Range, ctx: ReadContext): Template | undefined {
  const parts: TemplatePart[] = [];
  const source = ctx.report.source.text.slice(range[0], range[1]);
  let text = "";
  let i = 0;
  let searchFrom = 0;
  let ok = true;
  while (i < value.length) {
    if (value.startsWith("$$", i)) {
      text += "$";
      i += 2;
      continue;
    }
    if (!value.startsWith("${", i)) {
      text += value[i];
      i += 1;
      continue;
    }
    const end = value.indexOf("}", i);
    const raw = end < 0 ? value.slice(i) : value.slice(i, end + 1);
    // Point at the reference itself when it appears verbatim in the source text.
    const at = source.indexOf(raw, searchFrom);
    const refRange: Range = at >= 0 ? [range[0] + at, range[0] + at + raw.length] : range;
    if (at >= 0) searchFrom = at + raw.length;
    if (end < 0) {
      ctx.report.error("UNKNOWN_REFERENCE", refRange, 'unclosed "${": write $$ for a literal "$"', {
        message: 'write $$ for a literal "$"',
      });
      return undefined;
    }
    const path = value
      .slice(i + 2, end)
      .trim()
      .split(".");
    if (path.some((p) => !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(p))) {
      ctx.report.error(
        "UNKNOWN_REFERENCE",
        refRange,
        `${quote(raw)} is not a reference such as \${datasets.raw.uri}`,
      );
      ok = false;
      i = end + 1;
      continue;
    }
    if (text) parts.push({ kind: "text", text });
    text = "";
    parts.push({ kind: "ref", path, range: refRange });
    i = end + 1;
  }
  if (text || parts.length === 0) parts.push({ kind: "text", text });
  return ok ? { parts, range } : undefined;
}
