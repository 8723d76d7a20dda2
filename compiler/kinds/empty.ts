import { t } from "../schema";
import { standardOperator, type TaskKind } from "./kind";

const args = t.object(
  {},
  { description: "A task that does nothing: a join or a named milestone." },
);

export const empty: TaskKind<"empty", unknown> = {
  kind: "empty",
  summary: "Does nothing. Use it to join branches (with a trigger rule) or to mark a milestone.",
  example: "done:\n  empty:\n  after: [train]\n",
  args,
  lower: () => ({ kind: "empty" }),
  emit: (_op, target) => ({
    operator: standardOperator(target, "empty", "EmptyOperator"),
    arguments: [],
  }),
};
