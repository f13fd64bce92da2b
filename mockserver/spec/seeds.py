"""`--seed-data FILE`: the resources each session's collections start with, read and checked once at start-up.

The file is YAML (or JSON): each collection's name (as `GET /__mock/resources` lists them) to a list of resources.
Read-only fields a resource lacks are filled as a create would fill them (an id in sequence, times from the clock);
anything the item schema refuses stops start-up with the file, the resource and the field named.

    knowledge-base:
      - {content: "Revenue is net of refunds.", connection_id: 1}
      - {id: 7, content: "Fiscal years start in February.", connection_id: 1}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from mockserver.config import ConfigError
from mockserver.spec.collections import Collections
from mockserver.spec.items import ItemError, numbered

Numbered = list[tuple[str, int, dict[str, Any]]]  # (key, place in the sequence, item), as items.numbered() gives


def load_seed_data(path: str | Path, collections: Collections, now: float) -> dict[str, Numbered]:
    where = str(path)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read the seed data ({exc.strerror})") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: seed data maps each collection's name to a list of resources, not a {_kind(data)}")
    known = ", ".join(sorted(collections.by_name)) or "none in this document"
    out: dict[str, Numbered] = {}
    for name, items in data.items():
        if name not in collections.by_name:
            raise ConfigError(f"{where}: {name!r} is not a collection of the document (its collections: {known})")
        if not isinstance(items, list):
            raise ConfigError(f"{where}: {name}: a list of resources, not a {_kind(items)}")
        try:
            out[name] = numbered(collections.of(name), items, now, name)
        except ItemError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    return out


def _kind(value: Any) -> str:
    names: dict[type, str] = {dict: "mapping", list: "list", str: "string"}
    return names.get(type(value), type(value).__name__)
