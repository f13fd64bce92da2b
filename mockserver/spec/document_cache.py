"""Documents as the mock reads them (the vendor's, every overlay applied), kept between starts.

Reading a YAML document and applying the overlays' JSONPath queries is most of what a start-up costs beyond
imports: on camelAI's 43-operation document about a third of the instructions of building the mock. What they give
depends only on the files' bytes and on the code that reads them, so the result is kept as JSON under a key made of
both, in `$MOCKSERVER_CACHE_DIR` (default `$XDG_CACHE_HOME/camelai-mock`, else `~/.cache/camelai-mock`), as Python
keeps bytecode. A file that changes, or a new version of the mock, PyYAML or python-jsonpath, misses and reads afresh.
A cache that cannot be read or written is passed by: the document is read as if there were none.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import orjson

CACHE_ENV = "MOCKSERVER_CACHE_DIR"
_READERS = ("mockserver.spec.document", "mockserver.spec.overlay", "yaml", "jsonpath")  # the code a result depends on

Read = tuple[dict[str, Any], list[str]]  # the document, and the warnings reading it gave


def cache_directory() -> Path:
    base = os.environ.get(CACHE_ENV)
    if base:
        return Path(base)
    home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(home) / "camelai-mock"


def read_kept(files: Sequence[str | os.PathLike[str]], read: Callable[[], Read]) -> Read:
    """What `read()` gives for `files` (the document, then its overlays), from the cache when these bytes were read
    by this code before. A file that cannot be read is left to `read()`, which names the problem."""
    try:
        key = _key(files)
    except OSError:
        return read()
    kept = cache_directory() / "documents" / f"{key}.json"
    try:
        found = orjson.loads(kept.read_bytes())
        return found["document"], found["warnings"]
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
        pass
    document, warnings = read()
    with contextlib.suppress(TypeError):  # only what JSON gives back as it was: YAML's dates, integer keys are not
        kept_json = orjson.dumps({"document": document, "warnings": warnings}, option=orjson.OPT_PASSTHROUGH_DATETIME)
        _keep(kept, kept_json)
    return document, warnings


def _key(files: Sequence[str | os.PathLike[str]]) -> str:
    digest = hashlib.sha256()
    for name in _READERS:  # where each reader's code sits and when it was written, without importing it
        spec = find_spec(name)
        origin = spec.origin if spec is not None and spec.origin else name
        stat = os.stat(origin) if spec is not None and spec.origin else None
        digest.update(f"{origin}:{stat.st_mtime_ns if stat else ''}:{stat.st_size if stat else ''}\n".encode())
    for path in files:
        content = Path(path).read_bytes()
        digest.update(f"{Path(path).resolve()}:{len(content)}\n".encode())
        digest.update(content)
    return digest.hexdigest()


def _keep(path: Path, data: bytes) -> None:
    """Written whole or not at all (a temporary file renamed), so a start beside this one reads no half."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".writing-")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
