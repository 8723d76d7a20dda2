// Spec generators for the fuzz and property tests: mutations of the valid fixtures, specs
// built from the language's pieces with values on both sides of every limit, and one spec
// with a hostile string in every free-text field of every task kind.

import * as fc from "fast-check";
import * as fs from "node:fs";
import * as path from "node:path";
import { FIXTURES, cases } from "../helpers";

export const BASES = cases(path.join(FIXTURES, "valid")).map((c) =>
  fs.readFileSync(path.join(FIXTURES, "valid", `${c}.yaml`), "utf8"),
);

const TOKENS = [
  ":",
  "- ",
  "&a ",
  "*a",
  "<<: *a",
  "<<: [*a, *b]",
  "${",
  "}",
  "{{ var.value.x }}",
  "{%",
  "{#",
  '"',
  "'",
  "\t",
  "\u0000",
  "\u001b[2J",
  "\u00e9",
  "\ufffd",
  "\ud800",
  "\u2028",
  "\r",
  "\n",
  "  ",
  "#",
  "? ",
  "!!binary ",
  "!!python/object ",
  "---\n",
  "...\n",
  "[",
  "]",
  "{",
  ",",
];

const VALUES = [
  "",
  "~",
  "null",
  "true",
  "0",
  "-1",
  "1.5",
  "1e400",
  ".nan",
  "9007199254740993",
  "-9007199254740993",
  "9999999999d",
  "366d",
  "8d",
  "16m",
  "0s",
  "1d",
  '"${params.x}"',
  '"$${x}"',
  "'{{ var.value.x }}'",
  '"\\e[2J"',
  '"\\u2028"',
  "[]",
  "{}",
  "[a, [b, [c]]]",
  "*a",
  "&a [x, y]",
  `"${"x".repeat(120)}"`,
  "@dayly",
  '"0 0 31 2 *"',
  '"61 * * * *"',
  '"0 0 29 2 *"',
  "../../etc/passwd",
  "/etc/passwd",
  "glue-jobs/etl.py",
  "2024-02-30",
  "glue-jobs/../glue-jobs/etl.py",
  '"s3://b/k/"',
  "none",
];

/** One mutation of a spec's text. */
const mutation = fc.oneof(
  fc.record({ op: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("duplicate" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("swap" as const), at: fc.nat(), to: fc.nat() }),
  fc.record({
    op: fc.constant("indent" as const),
    at: fc.nat(),
    by: fc.integer({ min: -4, max: 4 }),
  }),
  fc.record({ op: fc.constant("token" as const), at: fc.nat(), token: fc.constantFrom(...TOKENS) }),
  fc.record({ op: fc.constant("value" as const), at: fc.nat(), value: fc.constantFrom(...VALUES) }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    op: fc.constant("random" as const),
    at: fc.nat(),
    text: fc.string({ unit: "binary", maxLength: 8 }),
  }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(text: string, m: Mutation): string {
  const lines = text.split("\n");
  const i = m.at % lines.length;
  const offset = m.at % (text.length + 1);
  switch (m.op) {
    case "delete":
      lines.splice(i, 1);
      return lines.join("\n");
    case "duplicate":
      lines.splice(i, 0, lines[i]!);
      return lines.join("\n");
    case "swap": {
      const j = m.to % lines.length;
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      return lines.join("\n");
    }
    case "indent":
      lines[i] = m.by >= 0 ? " ".repeat(m.by) + lines[i] : lines[i]!.slice(-m.by);
      return lines.join("\n");
    case "token":
      return text.slice(0, offset) + m.token + text.slice(offset);
    case "value": {
      const line = lines[i]!;
      const colon = line.indexOf(": ");
      lines[i] = colon < 0 ? `${line} ${m.value}` : `${line.slice(0, colon + 2)}${m.value}`;
      return lines.join("\n");
    }
    case "truncate":
      return text.slice(0, offset);
    case "random":
      return text.slice(0, offset) + m.text + text.slice(offset);
  }
}

/** Specs made by one to three mutations of a valid fixture. */
export const mutated = fc
  .tuple(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 3 }))
  .map(([base, ms]) => ms.reduce(mutate, BASES[base % BASES.length]!));

// ---------------------------------------------------------------- generated specs

const duration = fc
  .tuple(fc.integer({ min: 1, max: 400 }), fc.constantFrom("s", "m", "h", "d"))
  .map(([n, u]) => `${n}${u}`);
const cronField = (min: number, max: number) =>
  fc.oneof(
    fc.constant("*"),
    fc.integer({ min, max }).map(String),
    fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => `${a}-${b}`),
    fc.integer({ min: 1, max: max + 2 }).map((s) => `*/${s}`),
  );
const schedule = fc.oneof(
  fc.constantFrom("none", "@daily", "@hourly", "@once", "@weekly"),
  fc
    .tuple(cronField(0, 59), cronField(0, 23), cronField(1, 31), cronField(1, 12), cronField(0, 7))
    .map((f) => f.join(" ")),
);
const text = fc.string({ minLength: 1, maxLength: 110 }).map((s) => JSON.stringify(s));
const big = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.constantFrom(2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53) - 2),
);

const kinds = [
  () => "empty:",
  () => "glue.job: { script: glue-jobs/etl.py, arguments: { --n: ${params.n} } }",
  () => 'python: { callable: "checks:count_rows", kwargs: { table: t, minimum: 1 } }',
  () => "sensor.s3: { uri: ${datasets.d.uri} }",
  () => "approval: { instructions: check it }",
  () => "notify: { topic: t, message: done ${run.id} }",
  () =>
    'sagemaker.training: { image: { framework: xgboost, version: "1.7-1" }, inputs: { train: ${datasets.d.uri} }, output: ${datasets.d.uri} }',
];

/** Specs built from the language's pieces, with values on both sides of the limits. */
export const generated = fc
  .record({
    schedule,
    tags: fc.array(text, { maxLength: 3 }),
    owner: text,
    timeout: duration,
    retryDelay: duration,
    n: big,
    subject: fc.string({ minLength: 1, maxLength: 110 }).map((s) => JSON.stringify(s)),
    tasks: fc.array(
      fc.record({
        kind: fc.nat({ max: kinds.length - 1 }),
        after: fc.nat(),
        timeout: fc.option(duration),
      }),
      { minLength: 1, maxLength: 6 },
    ),
  })
  .map((g) =>
    [
      "pipeline: p",
      `schedule: "${g.schedule}"`,
      "startDate: 2024-01-01",
      `tags: [${g.tags.join(", ")}]`,
      `timeout: ${g.timeout}`,
      `defaults: { owner: ${g.owner}, retryDelay: ${g.retryDelay} }`,
      `params: { n: { type: integer, default: ${g.n} } }`,
      "datasets: { d: { prefix: data/in/ } }",
      "topics: { t: {} }",
      `onFailure: { topic: t, subject: ${g.subject} }`,
      "tasks:",
      ...g.tasks.flatMap((t, i) => [
        `  t${i}:`,
        `    ${kinds[t.kind]!()}`,
        ...(i > 0 ? [`    after: [t${t.after % i}]`] : []),
        ...(t.timeout ? [`    executionTimeout: ${t.timeout}`] : []),
      ]),
      "",
    ].join("\n"),
  );

// ---------------------------------------------------------------- hostile strings

/**
 * A string that Jinja would evaluate, and Python would break on, were it not escaped: it
 * reads Variable x, opens tags and comments, and holds quotes, backslashes and line breaks.
 * `${...}` is written $${...} in template fields so it stays literal.
 */
export function hostile(i: number, oneLine = false): string {
  const s = `h${i}:{{ var.value.x }}|{% if true %}T{% endif %}|{# c #}|'"\\\\|{{|}}|$\{x}|`;
  return oneLine ? s : `${s}\n\r\n{%raw%}\n`;
}

/** YAML for the hostile string, as a double-quoted scalar; `template` doubles the `$`. */
export function yamlOf(s: string, template: boolean): string {
  return JSON.stringify(template ? s.replace(/\$/g, "$$$$") : s);
}

/** A spec with a distinct hostile string in every free-text field, and the strings. */
export function hostileSpec(id: string): { text: string; strings: string[] } {
  const strings: string[] = [];
  const h = (template: boolean, oneLine = false) => {
    const s = hostile(strings.length, oneLine);
    strings.push(s);
    return yamlOf(s, template);
  };
  const t = () => h(true);
  const text = [
    `pipeline: ${id}`,
    `description: ${h(false)}`,
    `tags: [${h(false, true)}]`,
    `defaults: { owner: ${h(false)} }`,
    `params: { p: { type: string, default: ${h(false)}, description: ${h(false)} } }`,
    "datasets: { d: { prefix: data/in/ } }",
    "functions: { f: { source: lambdas/analyze_results.py } }",
    "topics: { t: {} }",
    `onFailure: { topic: t, subject: ${h(false, true)} }`,
    "tasks:",
    "  glue:",
    `    glue.job: { script: glue-jobs/etl.py, arguments: { --a: ${t()}, --b: "\${params.p}" } }`,
    `    doc: ${h(false)}`,
    `    owner: ${h(false)}`,
    "  py:",
    `    python: { callable: "checks:count_rows", kwargs: { a: ${t()}, b: [${t()}, { c: ${t()} }] } }`,
    "  train:",
    `    sagemaker.training: { image: ${t()}, inputs: { train: ${t()} }, output: ${t()}, contentType: ${h(false)}, hyperparameters: { k: ${t()} } }`,
    "  process:",
    `    sagemaker.processing: { image: ${t()}, arguments: [${t()}], inputs: { i: ${t()} }, outputs: { o: ${t()} }, environment: { E: ${t()} } }`,
    "  model:",
    `    sagemaker.model: { image: ${t()}, model: ${t()}, environment: { E: ${t()} } }`,
    "  transform:",
    `    sagemaker.transform: { model: ${t()}, input: ${t()}, output: ${t()}, contentType: ${h(false)} }`,
    "  endpoint:",
    `    sagemaker.endpoint: { endpoint: e, model: ${t()}, dataCapture: { destination: ${t()} } }`,
    "  register:",
    `    sagemaker.register: { group: g, image: ${t()}, model: ${t()}, description: ${t()} }`,
    "  invoke:",
    `    lambda.invoke: { function: f, payload: { a: ${t()}, b: [${t()}] } }`,
    "  wait:",
    `    sensor.s3: { uri: ${t()} }`,
    "  gate:",
    `    metric.gate: { metric: { s3: ${t()} }, path: a.b, below: 1, then: yes, else: no }`,
    "  yes:",
    `    approval: { instructions: ${h(false)} }`,
    "  no:",
    `    notify: { topic: t, subject: ${h(true, true)}, message: ${t()} }`,
    "  again:",
    `    trigger.dag: { pipeline: ${id}, conf: { a: ${t()}, b: { c: ${t()} } } }`,
    "",
  ].join("\n");
  return { text, strings };
}
