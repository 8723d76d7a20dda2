#!/usr/bin/env bash
# Runs every check of the project: build, lint, drift, TypeScript tests (mocha) and Python tests
# (pytest, one cached virtualenv per environment). Runs all steps even when one fails, prints
# each runner's own summary, then one closing line "N passed, N failed" over all tests.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
failed_steps=()
passed=0
failed=0

step() {
  local name=$1
  shift
  echo "==> $name"
  if "$@" 2>&1 | tee "$log/$name.out"; then :; else failed_steps+=("$name"); fi
}

# Adds the counts from a runner's closing lines: mocha's "  N passing" / "  N failing", or
# pytest's last "N passed, N failed, N errors in 1.2s".
count() {
  local file=$1 summary p f e
  if grep -Eq '^ +[0-9]+ (passing|failing)' "$file"; then
    p=$(grep -Eo '^ +[0-9]+ passing' "$file" | tail -1 | grep -Eo '[0-9]+' || echo 0)
    f=$(grep -Eo '^ +[0-9]+ failing' "$file" | tail -1 | grep -Eo '[0-9]+' || echo 0)
    e=0
  else
    summary=$(grep -E ' in [0-9.]+s' "$file" | tail -1)
    p=$(grep -Eo '[0-9]+ passed' <<<"$summary" | grep -Eo '[0-9]+' || echo 0)
    f=$(grep -Eo '[0-9]+ failed' <<<"$summary" | grep -Eo '[0-9]+' || echo 0)
    e=$(grep -Eo '[0-9]+ errors?' <<<"$summary" | grep -Eo '[0-9]+' || echo 0)
  fi
  passed=$((passed + p))
  failed=$((failed + f + e))
}

step build npx tsc -p .
step eslint npx eslint .
step prettier npx prettier --check .
lint=$(pyenv/ensure lint) || failed_steps+=(pyenv-lint)
step ruff "$lint/bin/ruff" check .
step ruff-format "$lint/bin/ruff" format --check .
step drift node bin/dagspec compile --check
# What runs in SageMaker's images, against Python 3.8's standard library (mypy.ini).
typecheck=$(pyenv/ensure typecheck) || failed_steps+=(pyenv-typecheck)
step mypy-py38 "$typecheck/bin/mypy"

step mocha npx mocha
count "$log/mocha.out"

# Airflow 2.10 (the default target): the committed generated-dags/.
airflow=$(pyenv/ensure airflow-2.10) || failed_steps+=(pyenv-airflow-2.10)
step pytest-airflow-2.10 "$airflow/bin/python" -m pytest -q -p no:cacheprovider test/airflow
count "$log/pytest-airflow-2.10.out"

# Airflow 3.0: the same specs compiled for it, imported in its own virtualenv, and checked
# with ruff's Airflow 3 migration rules.
dags30="$log/dags-airflow-3.0"
step compile-airflow-3.0 node bin/dagspec compile --airflow 3.0 --out "$dags30"
step ruff-air3 "$lint/bin/ruff" check --no-cache --preview --select AIR3 "$dags30" test/expected/valid-airflow3.0
airflow3=$(pyenv/ensure airflow-3.0) || failed_steps+=(pyenv-airflow-3.0)
step pytest-airflow-3.0 env DAGSPEC_DAGS="$dags30" DAGSPEC_AIRFLOW=3.0 \
  "$airflow3/bin/python" -m pytest -q -p no:cacheprovider test/airflow
count "$log/pytest-airflow-3.0.out"

# SageMaker's images: the image data against the SageMaker SDK's own resolution, and every
# processing script in every local build of its image (pyenv/image-*.txt, built once, cached).
sdk=$(pyenv/ensure sagemaker-sdk) || failed_steps+=(pyenv-sagemaker-sdk)
step pytest-images "$sdk/bin/python" -m pytest -q -p no:cacheprovider test/images
count "$log/pytest-images.out"

if [ -d test/glue ]; then
  glue=$(pyenv/ensure glue) || failed_steps+=(pyenv-glue)
  step pytest-glue "$glue/bin/python" -m pytest -q -p no:cacheprovider test/glue
  count "$log/pytest-glue.out"
fi

echo
if [ ${#failed_steps[@]} -gt 0 ]; then
  echo "failed steps: ${failed_steps[*]}"
  [ "$failed" -gt 0 ] || failed=${#failed_steps[@]}
fi
echo "dagspec: $passed passed, $failed failed"
[ ${#failed_steps[@]} -eq 0 ]
