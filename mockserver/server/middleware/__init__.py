"""ASGI middleware, one concern each: the journal, queued faults, the per-address limit, the shared clock."""
