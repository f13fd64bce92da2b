"""`mockserver proxy` and recordings: forwarding to the real API while checking both directions against the
document, HAR files written as the exchanges happen, and `mockserver serve --replay` answering from them.

Rule: may import `core/`, `spec/`, `store/`, `server/`, `config` and `mock`; never `testing/`. Only the top level
(`cli.py`, `workers.py`) imports it, as `server/` builds the mock's own app.
"""
