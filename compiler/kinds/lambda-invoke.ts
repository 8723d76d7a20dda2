import { jinjaExpr, py, type PyExpr } from "../emit/python";
import { optional, required, t, type Infer } from "../schema";
import { name } from "../values";
import { didYouMean } from "../diagnostics";
import { AMAZON, type TaskKind } from "./kind";

const args = t.object({
  function: required(
    t.located(name("function name")),
    "A function declared under functions: in this spec.",
  ),
  payload: optional(t.located(t.plain()), "The JSON event; strings may hold ${...} references."),
});

/** Invokes a Lambda function the stack creates from the spec's functions: section. */
export const lambdaInvoke: TaskKind<"lambda.invoke", Infer<typeof args>> = {
  kind: "lambda.invoke",
  summary:
    "Invokes a Lambda function declared under functions: with a JSON payload and waits for its answer. Output: result (the response payload).",
  example: [
    "analyze:",
    "  lambda.invoke:",
    "    function: analyze_results",
    '    payload: { uri: "${datasets.evaluation.uri}evaluation.json" }',
    "",
  ].join("\n"),
  args,
  outputs: { result: [] },
  lower(a, cx) {
    const fn = cx.functions.get(a.function.value);
    if (!fn) {
      cx.report.error(
        "UNKNOWN_REFERENCE",
        a.function.range,
        `no function "${a.function.value}" under functions:${didYouMean(a.function.value, cx.functions.keys())}`,
      );
      return undefined;
    }
    const payload = a.payload ? cx.plain(a.payload.value, a.payload.range) : undefined;
    if (a.payload && !payload) return undefined;
    return {
      kind: "lambda.invoke",
      functionVariable: fn.variable,
      ...(payload ? { payload } : {}),
    };
  },
  emit: (op) => ({
    operator: { module: `${AMAZON}.lambda_function`, name: "LambdaInvokeFunctionOperator" },
    arguments: [
      [
        "function_name",
        { kind: "template", parts: [{ kind: "variable", name: op.functionVariable }] },
      ],
      // One Jinja expression serialised with tojson, so rendered values are JSON-escaped.
      ...(op.payload
        ? [
            ["payload", { kind: "jinja", text: `{{ ${jinjaExpr(op.payload)} | tojson }}` }] as [
              string,
              PyExpr,
            ],
          ]
        : []),
      ["invocation_type", py.str("RequestResponse")],
    ],
  }),
};
