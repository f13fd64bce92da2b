"""The command line's reference, from `mockserver.cli.parser()`: every subcommand, every flag, its help text, its
default and the environment variable that sets it."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import MISSING, Field, fields
from typing import Any

from reference_tables import code, prose, table

from mockserver.cli import parser, settings_from
from mockserver.config import Settings

PREFIX = "MOCKSERVER_"


@contextmanager
def clean_environment(**values: str) -> Iterator[None]:
    """The environment without any MOCKSERVER_* variable of the machine building the site, plus `values`."""
    saved = {name: value for name, value in os.environ.items() if name.startswith(PREFIX)}
    for name in saved:
        del os.environ[name]
    os.environ.update(values)
    try:
        yield
    finally:
        for name in values:
            os.environ.pop(name, None)
        os.environ.update(saved)


def subcommands(top: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Each subcommand's parser, by name, in the order `--help` lists them."""
    # argparse has no public way to walk a parser: its actions are the one record of what --help prints.
    found: dict[str, argparse.ArgumentParser] = {}
    for action in top._actions:
        if isinstance(action, argparse._SubParsersAction):
            found.update(action.choices)
    return found


def options(command: argparse.ArgumentParser) -> list[argparse.Action]:
    """What `--help` lists, positional arguments first, `--help` itself left out."""
    shown = [a for a in command._actions if a.help != argparse.SUPPRESS and not isinstance(a, argparse._HelpAction)]
    return [a for a in shown if not a.option_strings] + [a for a in shown if a.option_strings]


def _probe(action: argparse.Action) -> str:
    """A value the flag's environment variable could hold: it must read as the flag's type and choice."""
    if action.nargs == 0:
        return "1"
    if action.choices:
        return str(list(action.choices)[-1])
    return "7"


def _settings_field(name: str) -> Any:
    return next((f for f in fields(Settings) if f.name == name), None)


def field_default(field: Field[Any]) -> Any:
    if field.default is not MISSING:
        return field.default
    return field.default_factory() if field.default_factory is not MISSING else None


def environment_variable(name: str, action: argparse.Action) -> str | None:
    """The variable that sets this flag, found by setting each candidate and seeing what it changes: the flag's
    default in the parser, or (for `serve`) the Settings the command builds."""
    if not action.option_strings:
        return None
    flag = action.option_strings[0].lstrip("-").replace("-", "_")
    for candidate in dict.fromkeys(f"{PREFIX}{n.upper()}" for n in (flag, action.dest)):
        with clean_environment(**{candidate: _probe(action)}):
            probed = subcommands(parser())[name]
            default = probed.get_default(action.dest)
            if default is not None and default != action.default:
                return candidate
            if name == "serve" and _settings_field(action.dest) is not None:
                with clean_environment():
                    plain = settings_from(parser().parse_args([name]))
                try:
                    changed = settings_from(parser().parse_args([name]))
                except Exception:  # the probe's value is no value of this setting: it was read, though
                    return candidate
                if getattr(changed, action.dest) != getattr(plain, action.dest):
                    return candidate
    return None


def default(name: str, action: argparse.Action) -> str:
    """The argparse default, or, for a flag left unset so that Settings decides (`serve`, `proxy`), the field's."""
    if action.nargs == 0:
        return "off"  # an on/off flag: what it does is named by the flag itself
    if action.default not in (None, argparse.SUPPRESS):
        return code(action.default)
    field = _settings_field(action.dest) if name in ("serve", "proxy") else None
    if field is not None:
        value = field_default(field)
        if value not in (None, (), {}):
            return code(value)
    return ""


def flag_names(action: argparse.Action) -> str:
    if not action.option_strings:
        return code(action.metavar or action.dest)
    takes = "" if action.nargs == 0 else f" {action.metavar or action.dest.upper()}"
    return ", ".join(code(f"{flag}{takes}") for flag in action.option_strings)


def describe(action: argparse.Action) -> str:
    text = prose(action.help or "")
    if action.choices:
        text += f" (one of {', '.join(code(c) for c in action.choices)})"
    if isinstance(action, argparse._AppendAction) and "repeatable" not in text:
        text += "; repeatable"
    return text


def cli_markdown() -> str:
    with clean_environment():
        top = parser()
        commands = subcommands(top)
        parts = [f"{prose(top.description)}\n\n```text\n{top.format_usage().strip()}\n```\n"]
        for name, command in commands.items():
            rows = [
                (flag_names(a), describe(a), default(name, a), code(v) if (v := environment_variable(name, a)) else "")
                for a in options(command)
            ]
            usage = command.format_usage().strip()
            parts.append(
                f"## mockserver {name}\n\n{prose(command.description)}\n\n```text\n{usage}\n```\n\n"
                + table(("argument", "what it does", "default", "environment variable"), rows)
            )
    return "\n".join(parts)
