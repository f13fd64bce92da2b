"""All mutable state behind one async interface (`Store`): in this process's memory, or in Redis.

Rule: imports `core/` and `config` only; no starlette.
"""
