"""Fetch the pinned parts (``sliderepl.web.pins``) into a cache, once.

The cache folder is ``$SLIDEREPL_SITE_CACHE`` if set, else
``sliderepl/site-cache`` in the platform's user cache folder
(platformdirs: ``~/.cache/sliderepl/site-cache`` on Linux).  A file is
kept under its own name; one whose sha256 is not the pinned one is
fetched again, and a download that doesn't match is refused (nothing
unchecked is ever used).  Pyodide comes from the npm registry's
tarball, the wheels from PyPI (the JSON API names each file's URL).
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
import urllib.request
from pathlib import Path
from urllib.parse import urljoin

from sliderepl.web.pins import PYODIDE, PYODIDE_FILES, WHEELS, Part

ENV = "SLIDEREPL_SITE_CACHE"
NPM = "https://registry.npmjs.org"
PYPI = "https://pypi.org/pypi"
TIMEOUT = 120


class FetchError(Exception):
    """A part could not be fetched, or its hash is not the pinned one."""


def cache_dir() -> Path:
    """Where fetched parts are kept (made if missing)."""
    env = os.environ.get(ENV)
    if env:
        folder = Path(env)
    else:
        from platformdirs import user_cache_dir

        folder = Path(user_cache_dir("sliderepl")) / "site-cache"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _download(url: str, target: Path, part: Part) -> None:
    partial = target.with_name(target.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response, \
                partial.open("wb") as out:
            for chunk in iter(lambda: response.read(1 << 20), b""):
                out.write(chunk)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise FetchError(f"can't fetch {part.filename} from {url}: "
                         f"{exc}") from exc
    got = _sha256(partial)
    if got != part.sha256:
        partial.unlink()
        raise FetchError(f"{part.filename}: sha256 {got} is not the pinned "
                         f"{part.sha256} (sliderepl/web/pins.py)")
    partial.replace(target)


def _url(part: Part) -> str:
    if part is PYODIDE:
        return f"{NPM}/{part.name}/-/{part.filename}"
    # the project's JSON (not /VERSION/json, which some mirrors lack):
    # the release's files under "releases", the newest under "urls"
    api = f"{PYPI}/{part.name}/json"
    try:
        with urllib.request.urlopen(api, timeout=TIMEOUT) as response:
            release = json.load(response)
    except (OSError, ValueError) as exc:
        raise FetchError(f"can't ask PyPI about {part.name} "
                         f"{part.version}: {exc}") from exc
    files = release.get("releases", {}).get(part.version) or []
    for entry in list(files) + list(release.get("urls", [])):
        if entry.get("filename") == part.filename:
            return urljoin(api, str(entry["url"]))
    raise FetchError(f"PyPI has no {part.filename}")


def fetched(part: Part) -> Path:
    """The cached file of ``part``, fetched first if need be."""
    target = cache_dir() / part.filename
    if target.is_file() and _sha256(target) == part.sha256:
        return target
    _download(_url(part), target, part)
    return target


def wheels() -> list[Path]:
    """The pinned wheels, cached."""
    return [fetched(part) for part in WHEELS]


def pyodide_runtime() -> Path:
    """A folder holding the runtime files of the pinned Pyodide, from
    the npm tarball (unpacked once, next to it in the cache)."""
    tarball = fetched(PYODIDE)
    folder = tarball.with_name(f"pyodide-{PYODIDE.version}")
    if all((folder / name).is_file() for name in PYODIDE_FILES):
        return folder
    unpacking = folder.with_name(folder.name + ".part")
    unpacking.mkdir(exist_ok=True)
    with tarfile.open(tarball) as archive:
        for name in PYODIDE_FILES:
            member = archive.extractfile(f"package/{name}")
            if member is None:
                raise FetchError(f"{tarball.name} has no {name}")
            (unpacking / name).write_bytes(member.read())
    if folder.exists():
        for old in folder.iterdir():
            old.unlink()
        folder.rmdir()
    unpacking.rename(folder)
    return folder


def wheels_into(folder: Path) -> list[Path]:
    """The pinned wheels, copied from the cache into ``folder``."""
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for path in wheels():
        target = folder / path.name
        shutil.copyfile(path, target)
        out.append(target)
    return out
