"""``python -m workshop_db serve postgresql|mariadb``: see :mod:`.serve`."""

import sys

from .serve import main

if __name__ == "__main__":
    sys.exit(main())
