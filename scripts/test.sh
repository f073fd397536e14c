#!/usr/bin/env bash
# Set up with the test and neural extras (Piper and its voice: about 6 s to install from the
# registry here), then lint, type-check and run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test neural
.venv/bin/ruff check voiceguide tests scripts
.venv/bin/mypy
.venv/bin/python -m pytest -q
