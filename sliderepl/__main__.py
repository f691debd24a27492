"""``python -m sliderepl``: the same as the ``sliderepl`` command."""

from sliderepl.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
