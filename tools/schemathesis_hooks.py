"""Schemathesis hooks for this API (schemathesis.toml `hooks`, loaded by `st run` and by the test
suite's harness): a tus chunk (`application/offset+octet-stream`) is raw bytes, serialized as
`application/octet-stream` is."""

import schemathesis

schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
