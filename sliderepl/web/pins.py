"""What a site is built from: pinned by version and by sha256.

The build fetches these once into the cache (``sliderepl.web.fetch``)
and refuses a file whose sha256 differs.  To move to a newer release,
change a version here and its hash together (the hash is the one the
registry itself publishes: npm's ``dist.integrity`` is sha512, so the
sha256 here was taken from the tarball; PyPI's JSON API gives
``digests.sha256``).
"""

from __future__ import annotations

from typing import NamedTuple


class Part(NamedTuple):
    """One file fetched from a registry."""

    name: str
    version: str
    filename: str
    sha256: str


#: CPython 3.14.2 in WebAssembly (``pyodide-lock.json`` says so); its
#: standard library carries ``sqlite3`` (no separate package to load)
PYODIDE = Part(
    "pyodide", "314.0.8", "pyodide-314.0.8.tgz",
    "9a52704e0ae5b07aaacb8e4fed9f1658e8024694a078695ea45ac79dee4cefcb",
)

#: the files of the npm package the page needs (the rest is typings,
#: source maps, consoles and ``pyodide.js``, for classic scripts: the
#: page imports the ES module)
PYODIDE_FILES = (
    "pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm",
    "python_stdlib.zip", "pyodide-lock.json", "package.json",
)

#: pure-Python wheels from PyPI (``py3-none-any``), unpacked into the
#: page's site-packages.  tzdata: the browser has no zone files, and a
#: deck's ``ZoneInfo("Europe/Paris")`` needs them.
WHEELS = (
    Part("sqlalchemy", "2.1.9", "sqlalchemy-2.1.9-py3-none-any.whl",
         "449fed5c2caa3b278cc57499d09db001fb3f28dc7f18affc48142aee4dcc0cdf"),
    Part("typing-extensions", "4.16.0",
         "typing_extensions-4.16.0-py3-none-any.whl",
         "481caa481374e813c1b176ada14e97f1f67a4539ce9cfeb3f350d78d6370c2e8"),
    Part("tzdata", "2026.6", "tzdata-2026.6-py2.py3-none-any.whl",
         "0a10eec6e13ef16b627fabed9a5f2ba61a62b1c67f327305f4e7e412a70b4aec"),
)
