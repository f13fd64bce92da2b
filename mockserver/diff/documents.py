"""`mockserver diff OLD NEW` as a function: both documents loaded as the mock reads them, compared, marked by what
the client's tests used, and ordered."""

from __future__ import annotations

from collections.abc import Mapping

from mockserver.diff.compare import compare
from mockserver.diff.model import Report, ordered
from mockserver.diff.usage import Used, mark
from mockserver.spec.contract import Contract, load_contract


def diff_documents(old: str, new: str, usage: Mapping[str, Used] | None = None) -> Report:
    """The report from `old` to `new` (paths); a document that cannot be used raises ContractError naming it."""
    return diff_contracts(load_contract(old, mock=False), load_contract(new, mock=False), usage, old, new)


def diff_contracts(
    old: Contract, new: Contract, usage: Mapping[str, Used] | None = None, old_name: str = "", new_name: str = ""
) -> Report:
    changes = compare(old, new)
    if usage:
        changes = mark(changes, usage)
    warnings = {name: tuple(c.warnings) for name, c in ((old_name, old), (new_name, new)) if c.warnings}
    return Report(old_name or str(old.path), new_name or str(new.path), ordered(changes), warnings)
