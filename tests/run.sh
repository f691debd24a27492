#!/usr/bin/env bash
# The README's test command: install the project with its test extras, then
# run pytest.  Extra arguments go to pytest, for example:
#   bash tests/run.sh -m "not servers"     # SQLite only, no servers started
#   bash tests/run.sh tests/test_servers.py
# Tests on PostgreSQL and MariaDB start throwaway servers of their own
# (workshop_db/servers.py); where one can't be started they skip, saying
# what to install.
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_ROOT_USER_ACTION="${PIP_ROOT_USER_ACTION:-ignore}"
python3 -m pip install -q --disable-pip-version-check -e '.[test]'
exec python3 -m pytest "$@"
