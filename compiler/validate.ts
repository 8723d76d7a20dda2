// Stage 2: document → typed spec. The schema read checks shapes and types; the rules below
// check what spans several places of a spec. Adding a rule: one entry in RULES plus a fixture
// in test/fixtures/invalid/.

import type { Document, Node } from "yaml";
import { Reporter, quote, suggest, type Diagnostic, type SourceFile } from "./diagnostics";
import { KINDS } from "./kinds";
import { AIRFLOW_OWNERS_MAX, GLUE_NAME_MAX } from "./limits";
import { crawledTableName } from "./lower";
import { SETTINGS_DEFAULTS, specType, upstreamOf, type Spec } from "./spec";

export interface Validated {
  spec?: Spec;
  diagnostics: Diagnostic[];
}

interface Rule {
  name: string;
  check(spec: Spec, report: Reporter): void;
}

export const RULES: Rule[] = [
  {
    name: "a pipeline has at least one task",
    check(spec, report) {
      if (spec.tasks.length === 0) {
        report.error("MISSING_KEY", spec.$ranges["tasks"], "a pipeline needs at least one task", {
          message: "add a task under tasks:, e.g. `done: { empty: }`",
        });
      }
    },
  },
  {
    name: "every upstream task exists and is not the task itself",
    check(spec, report) {
      const ids = new Set(spec.tasks.map((e) => e.key));
      const unknown = (ref: { value: string; range: [number, number] }) => {
        const { hint, suggestion } = suggest(ref.value, ids, ref.range);
        report.error(
          "UNKNOWN_TASK",
          ref.range,
          `unknown task ${quote(ref.value)}${hint}`,
          suggestion,
        );
      };
      // Branch targets of gates are checked here too: they are written in the gate's arguments.
      for (const task of spec.tasks) {
        const kind = KINDS[task.value.kind.value];
        for (const target of kind.branches?.(task.value.args as never) ?? []) {
          if (!ids.has(target.value)) unknown(target);
          else if (target.value === task.key) {
            report.error("CYCLE", target.range, `task "${task.key}" cannot run after itself`);
          }
        }
        for (const up of task.value.after ?? []) {
          if (up.value === task.key) {
            report.error("CYCLE", up.range, `task "${task.key}" cannot run after itself`);
          } else if (!ids.has(up.value)) unknown(up);
        }
      }
    },
  },
  {
    name: "the task graph has no cycle",
    check(spec, report) {
      const upstream = upstreamOf(spec);
      const after = new Map([...upstream].map(([id, ups]) => [id, ups.map((u) => u.value)]));
      const state = new Map<string, "visiting" | "done">();
      // Depth first without recursion: a chain of 40,000 tasks is deeper than the call stack.
      const visit = (start: string): string[] | undefined => {
        const path: string[] = [];
        const next: number[] = [];
        const enter = (id: string) => {
          state.set(id, "visiting");
          path.push(id);
          next.push(0);
        };
        enter(start);
        while (path.length) {
          const id = path[path.length - 1]!;
          const ups = after.get(id)!;
          const i = next[next.length - 1]!;
          if (i >= ups.length) {
            state.set(id, "done");
            path.pop();
            next.pop();
            continue;
          }
          next[next.length - 1] = i + 1;
          const up = ups[i]!;
          if (up === id || !after.has(up) || state.get(up) === "done") continue;
          if (state.get(up) === "visiting") return [...path.slice(path.indexOf(up)), up];
          enter(up);
        }
        return undefined;
      };
      for (const task of spec.tasks) {
        if (state.has(task.key)) continue;
        const cycle = visit(task.key);
        if (cycle) {
          // The path is walked upstream; print it in running order.
          const path = [...cycle].reverse();
          report.error("CYCLE", task.keyRange, `tasks form a cycle: ${path.join(" → ")}`);
          return;
        }
      }
    },
  },
  {
    name: "catchup needs an explicit start date",
    check(spec, report) {
      if (spec.catchup && spec.startDate === undefined) {
        report.error(
          "MISSING_KEY",
          spec.$ranges["catchup"],
          "catchup: true needs an explicit startDate",
        );
      }
    },
  },
  {
    name: "a dataset has either a prefix or a key, and only a prefix is crawled",
    check(spec, report) {
      for (const ds of spec.datasets ?? []) {
        const { prefix, key, crawl } = ds.value;
        if ((prefix === undefined) === (key === undefined)) {
          report.error(
            "INVALID_VALUE",
            ds.keyRange,
            `dataset "${ds.key}" needs exactly one of prefix: or key:`,
          );
        } else if (crawl && prefix === undefined) {
          report.error(
            "INVALID_VALUE",
            ds.value.$ranges["crawl"],
            "a crawler reads a prefix: give the dataset prefix: instead of key:",
          );
        }
      }
    },
  },
  {
    name: "a param's default and allowed values fit its type",
    check(spec, report) {
      for (const p of spec.params ?? []) {
        const { type, default: def, enum: allowed, minimum, maximum } = p.value;
        const fits = (v: unknown) =>
          type === "string"
            ? typeof v === "string"
            : type === "boolean"
              ? typeof v === "boolean"
              : typeof v === "number" && (type === "number" || Number.isInteger(v));
        if (!fits(def.value)) {
          report.error(
            "WRONG_TYPE",
            def.range,
            `param "${p.key}" is a ${type}, but its default is ${shownValue(def.value)}`,
          );
        }
        if (allowed && !allowed.every(fits)) {
          report.error(
            "WRONG_TYPE",
            p.value.$ranges["enum"],
            `every value in enum must be a ${type}`,
          );
        } else if (allowed && !allowed.includes(def.value as never)) {
          report.error(
            "INVALID_VALUE",
            def.range,
            `the default of param "${p.key}" is not one of its enum values`,
          );
        }
        if (
          (minimum !== undefined || maximum !== undefined) &&
          type !== "number" &&
          type !== "integer"
        ) {
          report.error(
            "INVALID_VALUE",
            p.value.$ranges[minimum !== undefined ? "minimum" : "maximum"],
            "minimum and maximum apply to number and integer params",
          );
        } else if (
          typeof def.value === "number" &&
          ((minimum !== undefined && def.value < minimum) ||
            (maximum !== undefined && def.value > maximum))
        ) {
          report.error(
            "INVALID_VALUE",
            def.range,
            `the default of param "${p.key}" is outside its minimum/maximum`,
          );
        }
      }
    },
  },
  {
    name: "the DAG's owners fit Airflow's owners column",
    check(spec, report) {
      // Airflow stores ", ".join of the distinct task owners in DagModel.owners.
      const fallback = spec.defaults?.owner ?? SETTINGS_DEFAULTS.owner;
      const seen = new Set<string>();
      let length = -2;
      for (const task of spec.tasks) {
        const owner = task.value.owner ?? fallback;
        if (seen.has(owner)) continue;
        seen.add(owner);
        length += owner.length + 2;
        if (length > AIRFLOW_OWNERS_MAX) {
          report.error(
            "INVALID_VALUE",
            task.value.$ranges["owner"] ?? spec.defaults?.$ranges["owner"] ?? task.keyRange,
            `the DAG's owners, joined with ", ", have more than the ${AIRFLOW_OWNERS_MAX} characters Airflow stores`,
          );
          return;
        }
      }
    },
  },
  {
    name: "a crawled table name fits the Glue catalog",
    check(spec, report) {
      for (const ds of spec.datasets ?? []) {
        const { prefix, crawl } = ds.value;
        if (!prefix || !crawl) continue;
        const table = crawledTableName(prefix.value, crawl.tablePrefix ?? "");
        if (table.length > GLUE_NAME_MAX) {
          report.error(
            "INVALID_VALUE",
            prefix.range,
            `the crawler would name its table with ${table.length} characters; Glue takes at most ${GLUE_NAME_MAX}`,
          );
        }
      }
    },
  },
  {
    name: "onFailure names a declared topic",
    check(spec, report) {
      const topic = spec.onFailure?.topic;
      const topics = (spec.topics ?? []).map((t) => t.key);
      if (topic && !topics.includes(topic.value)) {
        const { hint, suggestion } = suggest(topic.value, topics, topic.range);
        report.error(
          "UNKNOWN_REFERENCE",
          topic.range,
          `no topic ${quote(topic.value)} under topics:${hint}`,
          suggestion,
        );
      }
    },
  },
];

function shownValue(v: unknown): string {
  return typeof v === "string" ? quote(v) : quote(JSON.stringify(v)).slice(1, -1);
}

export function validate(doc: Document, source: SourceFile): Validated {
  const report = new Reporter(source);
  const spec = specType.read(doc.contents as Node, { report, doc });
  if (spec === undefined) return { diagnostics: report.diagnostics };
  for (const rule of RULES) rule.check(spec, report);
  return report.diagnostics.length
    ? { diagnostics: report.diagnostics }
    : { spec, diagnostics: [] };
}
