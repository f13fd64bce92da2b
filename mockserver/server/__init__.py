"""The ASGI application: routes, endpoints, middleware, errors, sessions, request bodies.

Rule: may import `core/`, `spec/`, `store/`, `config` and `mock`; never `testing/`.
"""
