import { py } from "../emit/python";
import { optional, t, type Infer } from "../schema";
import { duration } from "../values";
import { runtimeFunction, standardSensor, type TaskKind } from "./kind";

const args = t.object({
  timeout: optional(duration(), "How long to wait for a decision (default 7d)."),
  onTimeout: optional(
    t.oneOf(["reject", "skip"] as const),
    "reject fails the task; skip skips what follows (default reject).",
  ),
  instructions: optional(
    t.string(),
    "What the approver should check, shown on the task in the Airflow UI.",
  ),
});

/**
 * A manual gate. The task waits, holding no worker slot, until an operator marks it success in
 * the Airflow UI or sets the run's approval Variable (see dagspec_runtime.approval_key) to
 * "approve" or "reject". A rejection fails the task, so nothing after it runs.
 */
export const approval: TaskKind<"approval", Infer<typeof args>> = {
  kind: "approval",
  summary:
    "Waits for an operator to approve the run (mark the task success in the Airflow UI, or set its approval Variable); rejects or skips on timeout.",
  example: [
    "review:",
    "  approval:",
    "    timeout: 3d",
    "    instructions: Compare the new RMSE with the current model's.",
    "  after: [evaluate]",
    "",
  ].join("\n"),
  args,
  lower: (a) => ({
    kind: "approval",
    timeout: a.timeout ?? 7 * 86400,
    softFail: a.onTimeout === "skip",
    instructions: a.instructions ?? "",
  }),
  emit: (op, target) => ({
    operator: standardSensor(target, "python", "PythonSensor"),
    arguments: [
      ["python_callable", { kind: "name", ref: runtimeFunction("wait_for_approval") }],
      ["mode", py.str("reschedule")],
      ["poke_interval", py.int(60)],
      ["timeout", py.int(op.timeout)],
      ["soft_fail", py.bool(op.softFail)],
      [
        "doc_md",
        py.str(
          `${op.instructions ? op.instructions + "\n\n" : ""}` +
            "Approve: mark this task success in the Airflow UI, or set the Airflow Variable " +
            "`dagspec_approval__<dag id>__<run id>` (other characters than letters and digits " +
            "written as _) to `approve`. Reject: mark the task failed, or set the Variable to `reject`.",
        ),
      ],
    ],
  }),
};
