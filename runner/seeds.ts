// Data a local run starts with, by dataset location. The manifest says where each dataset
// lives but not what is in it on a fresh machine: here a location gets its first objects. A
// dataset without an entry starts empty (outputs fill it). Adding data is one entry.

import * as fs from "node:fs";
import * as path from "node:path";
import type { DatasetLocation } from "../compiler/ir";

export interface SeedObject {
  key: string;
  body: Buffer;
}

export interface Seed {
  location: DatasetLocation;
  description: string;
  objects(root: string): SeedObject[];
}

const ABALONE = "data/abalone/abalone.data";

export const SEEDS: Seed[] = [
  {
    location: { key: "abalone/raw/abalone.data" },
    description: `the UCI abalone data set (${ABALONE})`,
    objects: (root) => [
      { key: "abalone/raw/abalone.data", body: fs.readFileSync(path.join(root, ABALONE)) },
    ],
  },
  {
    location: { prefix: "abalone/new/" },
    description: "a synthetic survey: every 40th abalone row, measurements perturbed",
    objects: (root) => [
      {
        key: "abalone/new/survey-0001.csv",
        body: Buffer.from(syntheticSurvey(fs.readFileSync(path.join(root, ABALONE), "utf8"))),
      },
    ],
  },
];

/**
 * New survey rows made from the raw data, the same every time: every 40th row, each of its
 * seven measurements scaled by a factor between 0.98 and 1.02 that cycles with the row and
 * column, rounded to 4 decimals; sex and rings as they were.
 */
export function syntheticSurvey(raw: string, every = 40): string {
  const rows = raw.split(/\r?\n/).filter((l) => l.trim());
  const out: string[] = [];
  for (let i = 0; i < rows.length; i += every) {
    const fields = rows[i]!.split(",");
    if (fields.length !== 9) continue;
    const n = i / every;
    const measurements = fields.slice(1, 8).map((v, j) => {
      const factor = 1 + (((n + j) % 5) - 2) * 0.01;
      return String(Number((Number(v) * factor).toFixed(4)));
    });
    out.push([fields[0], ...measurements, fields[8]].join(","));
  }
  return out.join("\n") + "\n";
}

export function sameLocation(a: DatasetLocation, b: DatasetLocation): boolean {
  return "key" in a ? "key" in b && a.key === b.key : "prefix" in b && a.prefix === b.prefix;
}
