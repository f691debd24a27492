#!/usr/bin/env bash
# The README's test command: install the project with its test extras, then
# run pytest. Extra arguments go to pytest (for example: -m "not servers").
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q -e '.[test]'
exec python3 -m pytest "$@"
