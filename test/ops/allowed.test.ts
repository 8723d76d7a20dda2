// The allow-list against Airflow's own CLI: every command listed for a version exists in that
// version's parser (the virtualenvs hold MWAA's pins), and the commands the operations layer
// sends are allowed on both versions.

import { expect } from "chai";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { pythonEnv } from "../../cli/paths";
import type { AirflowTarget } from "../../compiler/ir";
import { CLI } from "../../ops/airflow-backend";
import { ALLOWED_COMMANDS, allowedCommand, targetOf } from "../../ops/allowed";

const COMMANDS_PY = `
import argparse, json
from airflow.cli import cli_parser

def walk(parser, prefix):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                words = prefix + [name]
                has_sub = any(isinstance(a, argparse._SubParsersAction) for a in sub._actions)
                if has_sub:
                    yield from walk(sub, words)
                else:
                    yield " ".join(words)

print(json.dumps(sorted(set(walk(cli_parser.get_parser(), [])))))
`;

const cache = new Map<AirflowTarget, string[]>();

function airflowCommands(target: AirflowTarget): string[] {
  const known = cache.get(target);
  if (known) return known;
  const python = path.join(pythonEnv(`airflow-${target}`), "bin", "python");
  const out = execFileSync(python, ["-c", COMMANDS_PY], {
    encoding: "utf8",
    env: { ...process.env, PYTHONWARNINGS: "ignore", AIRFLOW__CORE__LOAD_EXAMPLES: "False" },
  });
  const commands = JSON.parse(out.trim().split("\n").at(-1)!) as string[];
  cache.set(target, commands);
  return commands;
}

describe("the commands MWAA's CLI endpoint runs", function () {
  this.timeout(120_000);

  for (const target of ["2.10", "3.0"] as AirflowTarget[]) {
    it(`are all commands of Airflow ${target}'s own CLI`, () => {
      const commands = airflowCommands(target);
      expect(ALLOWED_COMMANDS[target].filter((c) => !commands.includes(c))).to.deep.equal([]);
    });

    it(`include every command the operations layer sends to Airflow ${target}`, () => {
      const sent = [
        CLI.unpause("p"),
        CLI.trigger("p", { a: 1 }),
        CLI.listRuns(target, "p"),
        CLI.taskStates("p", "r"),
        CLI.setVariable("k", "approve"),
      ];
      for (const words of sent)
        expect(allowedCommand(target, words), words.join(" ")).to.not.equal(undefined);
    });
  }

  it("leave out of Airflow 3.0 the commands its CLI no longer has", () => {
    const commands = airflowCommands("3.0");
    for (const gone of ["roles create", "roles list", "dags backfill"]) {
      expect(commands).not.to.include(gone);
      expect(ALLOWED_COMMANDS["2.10"]).to.include(gone);
      expect(ALLOWED_COMMANDS["3.0"]).not.to.include(gone);
    }
  });

  it("refuse what is not listed, whatever follows the first words", () => {
    expect(allowedCommand("2.10", ["users", "create", "--role", "Admin"])).to.equal(undefined);
    expect(allowedCommand("2.10", ["db", "reset"])).to.equal(undefined);
    expect(allowedCommand("3.0", ["version"])).to.equal("version");
    expect(allowedCommand("3.0", ["dags"])).to.equal(undefined);
  });

  it("map MWAA's Airflow versions to compiler targets", () => {
    expect([targetOf("2.10.3"), targetOf("3.0.6"), targetOf("2.9.2")]).to.deep.equal([
      "2.10",
      "3.0",
      undefined,
    ]);
  });
});
