#!/usr/bin/env bash
# Parse cost of the generated DAGs in real Airflow 2.10.3: see bench/parse/README.md.
# Usage: bash bench/parse/run.sh [run.py options, e.g. --runs 30 --scale 100]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
venv=$(bash "$root/pyenv/ensure" bench-parse)
cd "$root"
exec "$venv/bin/python" bench/parse/run.py "$@"
