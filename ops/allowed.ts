// The Airflow CLI commands MWAA's CLI endpoint (`POST /aws_mwaa/cli`) runs, per Airflow version.
// The client checks a command against this list before sending it, to explain a refusal in one
// line; the local endpoint of `dagspec up` refuses everything else, so what passes locally passes
// on MWAA.
//
// Source: the MWAA user guide, "Apache Airflow CLI command reference", section "Supported
// commands", tab "Apache Airflow v2": every command is listed for "v2.0+" (dags backfill, list,
// list-runs and next-execution for "v2.2.2" onwards), so the list holds for 2.10.3. The last
// version of that page in awsdocs/amazon-mwaa-user-guide (doc_source/airflow-cli-command-reference.md,
// commit 7deaa8b, 2022-02-07) is what this file copies. The current page adds an Airflow v3
// section that the stored copies available here do not show; the 3.0 list below is the v2 list
// without the commands Airflow 3.0.6's own CLI no longer has (`roles` went with FAB, `dags
// backfill` became `backfill create`), checked against the parser of the 3.0 virtualenv by
// test/ops/allowed.test.ts. Correct it here if MWAA's v3 table differs.

import type { AirflowTarget } from "../compiler/ir";

const V2: readonly string[] = [
  "cheat-sheet",
  "connections add",
  "connections delete",
  "dags backfill",
  "dags delete",
  "dags list",
  "dags list-jobs",
  "dags list-runs",
  "dags next-execution",
  "dags pause",
  "dags report",
  "dags show",
  "dags state",
  "dags test",
  "dags trigger",
  "dags unpause",
  "providers behaviours",
  "providers get",
  "providers hooks",
  "providers links",
  "providers list",
  "providers widgets",
  "roles create",
  "roles list",
  "tasks clear",
  "tasks failed-deps",
  "tasks list",
  "tasks render",
  "tasks state",
  "tasks states-for-dag-run",
  "tasks test",
  "variables delete",
  "variables get",
  "variables list",
  "variables set",
  "version",
];

const NOT_IN_AIRFLOW_3 = new Set(["roles create", "roles list", "dags backfill"]);

export const ALLOWED_COMMANDS: Readonly<Record<AirflowTarget, readonly string[]>> = {
  "2.10": V2,
  "3.0": V2.filter((c) => !NOT_IN_AIRFLOW_3.has(c)),
};

export const ALLOWED_SOURCE =
  "MWAA user guide, Apache Airflow CLI command reference (supported commands)";

/** The compiler target of an MWAA AirflowVersion such as "2.10.3"; undefined if unknown. */
export function targetOf(airflowVersion: string): AirflowTarget | undefined {
  if (airflowVersion.startsWith("2.10.")) return "2.10";
  if (airflowVersion.startsWith("3.0.")) return "3.0";
  return undefined;
}

/** The allowed command (`group sub` or a lone command) that a command line starts with. */
export function allowedCommand(
  target: AirflowTarget,
  words: readonly string[],
): string | undefined {
  const [first, second] = words;
  if (first === undefined) return undefined;
  const list = ALLOWED_COMMANDS[target];
  if (list.includes(first)) return first;
  const pair = `${first} ${second ?? ""}`;
  return list.includes(pair) ? pair : undefined;
}
