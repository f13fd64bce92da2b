"""The rules and parts of the mock that need no web framework: the clock, tokens and their nonces, auth and
claims rules, rate limits, JSON in and out.

Rule: imports nothing of the package outside `core/` but `config`; no starlette.
"""
