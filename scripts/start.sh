#!/usr/bin/env bash
# The main job: compile every spec in dags-src/, then run the abalone retraining pipeline end
# to end in real Airflow against moto (no AWS account, no Docker): see "The local runner" in
# README.md. Extra arguments go to `dagspec run`, e.g. `npm start -- --conf max_rmse=2`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
npx tsc -p .
node bin/dagspec compile
node bin/dagspec run abalone-retrain "$@"
