"""The settings' reference, from `Settings`: each field's type, default and range, the config file key, the
`mockserver serve` flag and the environment variable that set it."""

from __future__ import annotations

import inspect
from dataclasses import fields
from typing import get_type_hints

from reference_cli import clean_environment, environment_variable, field_default, options, subcommands
from reference_tables import code, prose, table

import mockserver.cli
import mockserver.config
from mockserver.cli import parser
from mockserver.config import FILE_KEYS, RANGES, Settings


def _type(hint: object) -> str:
    text = hint.__name__ if isinstance(hint, type) else str(hint)
    return text.replace("mockserver.config.", "").replace("typing.", "").replace(" | ", " or ")


def settings_markdown() -> str:
    hints = get_type_hints(Settings)
    with clean_environment():
        serve = subcommands(parser())["serve"]
        flags = {action.dest: action for action in options(serve) if action.option_strings}
        rows = []
        for field in fields(Settings):
            value = field_default(field)
            action = flags.get(field.name)
            variable = environment_variable("serve", action) if action else None
            ways = [
                f"flag {code(action.option_strings[0])}" if action else "",
                f"variable {code(variable)}" if variable else "",
                f"config file key {code(field.name)}" if field.name in FILE_KEYS else "",
            ]
            low_high = f"from {RANGES[field.name][0]} to {RANGES[field.name][1]}" if field.name in RANGES else ""
            rows.append(
                (
                    f"{code(field.name)}<br>{code(_type(hints[field.name]))}",
                    "<br>".join(
                        part for part in (code(value) if value not in (None, (), {}) else "", low_high) if part
                    ),
                    "<br>".join(way for way in ways if way),
                    prose(action.help) if action else "",
                )
            )
    head = ("setting and type", "default, range", "set by", "what it sets")
    precedence = inspect.getdoc(mockserver.cli) or ""
    config = inspect.getdoc(mockserver.config.load_config_file) or ""
    example = config.split("\n\n", 1)[1] if "\n\n" in config else ""
    return (
        f"Precedence: {precedence.split(':', 1)[1].strip()}\n\n"
        + table(head, rows)
        + f"\nA config file (`--config FILE`) is YAML, for example:\n\n```yaml\n{example.strip()}\n```\n"
    )
