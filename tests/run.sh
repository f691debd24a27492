#!/usr/bin/env bash
# The README's test command: install the project with its test extras, then
# run pytest.  Extra arguments go to pytest, for example:
#   bash tests/run.sh -m "not servers"     # SQLite only, no servers started
#   bash tests/run.sh tests/test_servers.py
# It installs into the active virtual environment; with none active it
# makes (once) and uses .venv in the clone (git-ignored): a system Python
# such as Debian's refuses pip installs (PEP 668).
# Tests on PostgreSQL and MariaDB start throwaway servers of their own
# (workshop_db/servers.py); where one can't be started they skip, saying
# what to install.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${VIRTUAL_ENV:-}" ]; then
    if [ ! -x .venv/bin/python ]; then
        echo "tests/run.sh: making a virtual environment in .venv" >&2
        python3 -m venv .venv
    fi
    # shellcheck source=/dev/null
    . .venv/bin/activate
fi
export PIP_ROOT_USER_ACTION="${PIP_ROOT_USER_ACTION:-ignore}"
python -m pip install -q --disable-pip-version-check -e '.[test]'
exec python -m pytest "$@"
