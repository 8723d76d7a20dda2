import type { TextPart } from "../ir";
import type { PyExpr } from "../emit/python";

/** A templated string made of a single part, e.g. one Airflow Variable. */
export function jinjaTextPart(part: TextPart): PyExpr {
  return { kind: "template", parts: [part] };
}
