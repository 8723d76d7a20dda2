import { templated } from "../emit/python";
import { optional, required, t, type Infer } from "../schema";
import { didYouMean } from "../diagnostics";
import { name, subjectProblem, template } from "../values";
import { AMAZON, type TaskKind } from "./kind";

export const notifyArgs = t.object({
  topic: required(t.located(name("topic name")), "A topic declared under topics: in this spec."),
  subject: optional(template(), "The message subject (at most 100 characters once rendered)."),
  message: required(template(), "The message; may hold ${...} references."),
});

/** Publishes a message to an SNS topic the stack creates from the spec's topics: section. */
export const notify: TaskKind<"notify", Infer<typeof notifyArgs>> = {
  kind: "notify",
  summary: "Publishes a message to an SNS topic declared under topics:.",
  example: [
    "rejected:",
    "  notify:",
    "    topic: ml_alerts",
    "    subject: Model rejected",
    "    message: The new model missed its RMSE target on ${run.date}.",
    "",
  ].join("\n"),
  args: notifyArgs,
  lower(a, cx) {
    const topic = cx.topics.get(a.topic.value);
    if (!topic) {
      cx.report.error(
        "UNKNOWN_REFERENCE",
        a.topic.range,
        `no topic "${a.topic.value}" under topics:${didYouMean(a.topic.value, cx.topics.keys())}`,
      );
      return undefined;
    }
    const problem = a.subject && subjectProblem(a.subject);
    if (problem) {
      cx.report.error("INVALID_VALUE", a.subject!.range, problem);
      return undefined;
    }
    const subject = a.subject
      ? cx.template(a.subject)
      : {
          kind: "text" as const,
          parts: [{ kind: "literal" as const, text: `dagspec: ${cx.pipeline}` }],
        };
    const message = cx.template(a.message);
    if (!subject || !message) return undefined;
    return { kind: "notify", topicVariable: topic.variable, subject, message };
  },
  emit: (op) => ({
    operator: { module: `${AMAZON}.sns`, name: "SnsPublishOperator" },
    arguments: [
      ["target_arn", { kind: "template", parts: [{ kind: "variable", name: op.topicVariable }] }],
      ["subject", templated(op.subject)],
      ["message", templated(op.message)],
    ],
  }),
};
