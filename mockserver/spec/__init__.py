"""The contract: loading and checking OpenAPI documents, compiled validators, values drawn from schemas.

Rule: imports only `core/` and `config` of the package (and the standard library and third-party packages); no starlette.
"""
