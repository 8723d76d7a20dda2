// Compile benchmark: 1,000 generated specs of 10-50 tasks each. Prints specs per second and
// peak memory for the whole compile (parse, validate, lower, emit, write), and, in the same
// run, the time the yaml package alone takes to parse the same files: the floor no compiler
// can beat. Each size runs in a fresh child process so peak memory is its own.
//
// Then one spec of 10,000, 20,000 and 40,000 tasks (a chain, each after the one before), and
// specs after 5,000 to 40,000 lines of comments, blank lines and indented blank lines: each
// doubling should take about twice as long (the old empty-file regex and the yaml package's
// duplicate-key check made these exponential and quadratic).
//
//   npm run bench:compile            # sizes 250, 500, 1000; then the single-spec cases
//   node dist/bench/compile/run.js --child DIR   (internal)
//   node dist/bench/compile/run.js --one FILE    (internal)

import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { main as main_ } from "../../cli/main";
import { diskProject } from "../../compiler/project";

/** A deterministic pseudo-random generator, so every run compiles the same specs. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const KINDS = ["empty", "glue.crawler", "glue.job", "python"] as const;

function spec(i: number, random: () => number): string {
  const n = 10 + Math.floor(random() * 41);
  const lines = [
    `pipeline: bench-${i}`,
    `description: Generated pipeline ${i} with ${n} tasks.`,
    `schedule: "${Math.floor(random() * 60)} ${Math.floor(random() * 24)} * * *"`,
    "tags: [bench]",
    "defaults: { owner: bench, retries: 2, retryDelay: 2m }",
    "params:",
    "  limit: { type: integer, default: 100, minimum: 1 }",
    "datasets:",
    "  landing: { prefix: bench/landing/, crawl: { database: bench } }",
    "  curated: { prefix: bench/curated/ }",
    "tasks:",
  ];
  for (let t = 0; t < n; t++) {
    const kind = KINDS[Math.floor(random() * KINDS.length)]!;
    lines.push(`  t${t}:`);
    if (kind === "empty") lines.push("    empty:");
    if (kind === "glue.crawler") lines.push("    glue.crawler: { dataset: landing }");
    if (kind === "glue.job") {
      lines.push(
        "    glue.job:",
        "      script: glue-jobs/etl.py",
        "      arguments:",
        "        --input: ${datasets.landing.uri}",
        "        --output: ${datasets.curated.uri}${run.ts}/",
        "        --limit: ${params.limit}",
        "      workers: 4",
      );
    }
    if (kind === "python")
      lines.push(
        "    python:",
        "      callable: checks:count_rows",
        '      kwargs: { table: "${datasets.landing.table}", minimum: 3 }',
      );
    const ups = new Set<number>();
    for (let k = 0; k < 2 && t > 0; k++) ups.add(Math.floor(random() * t));
    if (ups.size) lines.push(`    after: [${[...ups].map((u) => `t${u}`).join(", ")}]`);
  }
  return lines.join("\n") + "\n";
}

export function makeProject(dir: string, count: number): void {
  const random = rng(2026);
  fs.mkdirSync(path.join(dir, "dags-src", "helpers"), { recursive: true });
  fs.mkdirSync(path.join(dir, "glue-jobs"), { recursive: true });
  fs.writeFileSync(path.join(dir, "glue-jobs", "etl.py"), "# bench\n");
  fs.writeFileSync(
    path.join(dir, "dags-src", "helpers", "checks.py"),
    "def count_rows(table, minimum):\n    return minimum\n",
  );
  for (let i = 0; i < count; i++)
    fs.writeFileSync(path.join(dir, "dags-src", `bench-${i}.yaml`), spec(i, random));
}

interface Measured {
  specs: number;
  tasks: number;
  parseOnlyMs: number;
  compileMs: number;
  peakRssMb: number;
  heapAfterMb: number;
}

/** In a child process: time the parse-only floor, then the whole compile, and report memory. */
function child(dir: string): Measured {
  let peak = 0;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const files = diskProject(dir).specs();
  const t0 = process.hrtime.bigint();
  let tasks = 0;
  for (const f of files) {
    const doc = parseDocument(fs.readFileSync(path.join(dir, f), "utf8"));
    tasks += (doc.get("tasks") as { items: unknown[] }).items.length;
  }
  const t1 = process.hrtime.bigint();
  // The CLI's compile: one spec at a time, staged, then written.
  const write = process.stdout.write;
  process.stdout.write = () => true;
  const status = main_(["compile", "--root", dir]);
  process.stdout.write = write;
  if (status !== 0) throw new Error(`bench specs do not compile (exit ${status})`);
  const t2 = process.hrtime.bigint();
  peak = Math.max(peak, process.memoryUsage().rss);
  clearInterval(sample);
  global.gc?.();
  return {
    specs: files.length,
    tasks,
    parseOnlyMs: Number(t1 - t0) / 1e6,
    compileMs: Number(t2 - t1) / 1e6,
    peakRssMb: peak / 2 ** 20,
    heapAfterMb: process.memoryUsage().heapUsed / 2 ** 20,
  };
}

/** One spec of `n` tasks in a chain. */
export function bigSpec(n: number): string {
  const lines = ["pipeline: big", "tasks:", "  t0:", "    empty:"];
  for (let i = 1; i < n; i++) lines.push(`  t${i}:`, "    empty:", `    after: [t${i - 1}]`);
  return lines.join("\n") + "\n";
}

const SHAPES: Record<string, (n: number) => string> = {
  "comment header": (n) => "# licence line\n".repeat(n),
  "blank lines": (n) => "\n".repeat(n),
  "indented blank lines": (n) => "   \t \n".repeat(n),
};

/** In a child process: the time to compile one spec file, in milliseconds. */
function one(file: string): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dagspec-bench-one-"));
  try {
    makeProject(dir, 0);
    fs.copyFileSync(file, path.join(dir, "dags-src", "one.yaml"));
    const write = process.stdout.write;
    process.stdout.write = () => true;
    const t0 = process.hrtime.bigint();
    const status = main_(["compile", "--root", dir]);
    const t1 = process.hrtime.bigint();
    process.stdout.write = write;
    if (status !== 0) throw new Error(`${file} does not compile (exit ${status})`);
    return Number(t1 - t0) / 1e6;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function timeOne(text: string): number {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dagspec-bench-spec-")), "s.yaml");
  try {
    fs.writeFileSync(file, text);
    return Number(
      execFileSync(process.execPath, [__filename, "--one", file], { encoding: "utf8" }),
    );
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

/** Times at doubling sizes, each with its ratio to the size before (2.00x is linear). */
function scaling(label: string, sizes: number[], make: (n: number) => string): void {
  let last: number | undefined;
  for (const n of sizes) {
    const ms = timeOne(make(n));
    const ratio = last === undefined ? "" : `  ${(ms / last).toFixed(2)}x the size before`;
    console.log(
      `${label.padEnd(28)} ${String(n).padStart(6)}  ${ms.toFixed(0).padStart(7)} ms${ratio}`,
    );
    last = ms;
  }
}

function singleSpecs(): void {
  console.log("\none spec                       size     compile");
  scaling("tasks in a chain", [10_000, 20_000, 40_000], bigSpec);
  const task = "pipeline: p\ntasks:\n  a:\n    empty:\n";
  for (const [name, shape] of Object.entries(SHAPES))
    scaling(`lines of ${name}`, [5_000, 10_000, 20_000, 40_000], (n) => shape(n) + task);
}

function main(): void {
  if (process.argv[2] === "--child") {
    process.stdout.write(JSON.stringify(child(process.argv[3]!)));
    return;
  }
  if (process.argv[2] === "--one") {
    process.stdout.write(String(one(process.argv[3]!)));
    return;
  }
  const sizes = [250, 500, 1000];
  const rows: Measured[] = [];
  for (const size of sizes) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dagspec-bench-"));
    try {
      makeProject(dir, size);
      const out = execFileSync(process.execPath, ["--expose-gc", __filename, "--child", dir], {
        encoding: "utf8",
      });
      rows.push(JSON.parse(out) as Measured);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(
    "specs  tasks   parse-only  full compile  specs/s  compile/parse  peak RSS   heap after",
  );
  for (const r of rows) {
    console.log(
      `${String(r.specs).padStart(5)}  ${String(r.tasks).padStart(5)}  ${r.parseOnlyMs.toFixed(0).padStart(8)} ms  ${r.compileMs.toFixed(0).padStart(9)} ms  ${((r.specs / r.compileMs) * 1000).toFixed(0).padStart(7)}  ${(r.compileMs / r.parseOnlyMs).toFixed(2).padStart(12)}x  ${r.peakRssMb.toFixed(0).padStart(5)} MiB  ${r.heapAfterMb.toFixed(1).padStart(7)} MiB`,
    );
  }
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  console.log(
    `\ncompile / parse-only at ${last.specs} specs: ${(last.compileMs / last.parseOnlyMs).toFixed(2)}x (target <= 3x)`,
  );
  console.log(
    `peak RSS ${last.specs} vs ${first.specs} specs: ${(last.peakRssMb / first.peakRssMb).toFixed(2)}x for ${(last.specs / first.specs).toFixed(0)}x the specs`,
  );
  singleSpecs();
}

if (require.main === module) main();
