"""`mockserver diff OLD NEW`: what a new document changes for a client, each change classed from the client's side
and marked where the client's tests exercised it.

Rule: may import `spec/`, `core/` and `config`; never `server/`, `store/`, `proxy/` or `testing/` (the server and
the command line import it).
"""
