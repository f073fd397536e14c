#!/usr/bin/env bash
# Set up with the test extra, then lint, type-check and run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
.venv/bin/ruff check voiceguide tests scripts
.venv/bin/mypy
.venv/bin/python -m pytest -q
