// The catalog of task kinds. Adding a kind: a file in this folder, an Operation member in
// ir.ts, and an entry here; the validator, JSON Schema, docs and emitter pick it up.

import type { Operation } from "../ir";
import { empty } from "./empty";
import { glueCrawler } from "./glue-crawler";
import { glueJob } from "./glue-job";
import type { TaskKind } from "./kind";
import { python } from "./python";

// Each kind's argument type is its own; the catalog only needs to know the kind names.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const KINDS: { [K in Operation["kind"]]: TaskKind<K, any> } = {
  empty,
  "glue.crawler": glueCrawler,
  "glue.job": glueJob,
  python,
};

export const KIND_NAMES = Object.keys(KINDS) as Operation["kind"][];

export function isKind(name: string): name is Operation["kind"] {
  return Object.prototype.hasOwnProperty.call(KINDS, name);
}
