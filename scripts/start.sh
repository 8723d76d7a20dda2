#!/usr/bin/env bash
# The main job: compile every spec in dags-src/ and prove each DAG in real Airflow.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
npx tsc -p .
node bin/dagspec compile "$@"
node bin/dagspec validate "$@"
