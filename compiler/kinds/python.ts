import { py, templated } from "../emit/python";
import type { Value } from "../ir";
import { optional, required, t, type Infer } from "../schema";
import { RUNTIME, standardOperator, type TaskKind } from "./kind";

export const HELPERS_DIR = "dags-src/helpers";
export const RUNTIME_MODULE = RUNTIME;

const args = t.object({
  callable: required(
    t.located(
      t.string({
        pattern: /^[a-z_][a-z0-9_]*:[A-Za-z_][A-Za-z0-9_]*$/,
        patternHint: "write module:function, the module being a file in dags-src/helpers/",
      }),
    ),
    "module:function, the module a file in dags-src/helpers/ shipped with the DAGs.",
  ),
  kwargs: optional(t.located(t.plain()), "Keyword arguments; strings may hold ${...} references."),
});

/**
 * Calls a function from a helper module beside the specs. The module is imported when the task
 * runs, never when Airflow parses the DAG file; its return value goes to XCom.
 */
export const python: TaskKind<"python", Infer<typeof args>> = {
  kind: "python",
  summary:
    "Calls module:function from dags-src/helpers/ when the task runs; the result goes to XCom.",
  example:
    "check:\n  python:\n    callable: abalone_checks:count_rows\n    kwargs: { minimum: 100 }\n",
  args,
  outputs: { result: [] },
  lower(a, cx) {
    const [module, fn] = a.callable.value.split(":") as [string, string];
    const file = `${HELPERS_DIR}/${module}.py`;
    if (!cx.projectFile({ value: file, range: a.callable.range }, "helper module"))
      return undefined;
    const source = cx.readFile(file) ?? "";
    if (!new RegExp(`^def ${fn}\\(`, "m").test(source)) {
      cx.report.error(
        "INVALID_VALUE",
        a.callable.range,
        `${file} defines no top-level function ${fn}`,
      );
      return undefined;
    }
    let kwargs: [string, Value][] = [];
    if (a.kwargs) {
      const v = cx.plain(a.kwargs.value, a.kwargs.range);
      if (v === undefined) return undefined;
      if (v.kind !== "map") {
        cx.report.error(
          "WRONG_TYPE",
          a.kwargs.range,
          "kwargs must be a mapping of argument names to values",
        );
        return undefined;
      }
      kwargs = v.entries;
    }
    return { kind: "python", module, function: fn, kwargs };
  },
  emit: (op, target) => ({
    operator: standardOperator(target, "python", "PythonOperator"),
    arguments: [
      ["python_callable", py.name(RUNTIME_MODULE, "call_helper")],
      [
        "op_kwargs",
        py.dict([
          ["helper", py.str(`${op.module}:${op.function}`)],
          ["arguments", py.dict(op.kwargs.map(([k, v]) => [k, templated(v)]))],
        ]),
      ],
    ],
  }),
};
