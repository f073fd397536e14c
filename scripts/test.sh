#!/usr/bin/env bash
# Set up with the test and neural extras (Piper and its voice: about 6 s to install from the
# registry here), then lint, type-check and run the whole test suite, slow tests included, and
# print how long the suite took (and its ten slowest tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test neural
.venv/bin/ruff check voiceguide tests scripts
.venv/bin/mypy
started=$SECONDS
trap 'echo "Test suite: $((SECONDS - started)) s"' EXIT
.venv/bin/python -m pytest -q --durations=10
