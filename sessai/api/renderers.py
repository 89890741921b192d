"""JSON on the wire: camelCase keys and orjson (sessai.api.wire), and a fast path for data already
built in the wire's shape."""

import orjson
from rest_framework.renderers import BaseRenderer
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder as DRFEncoder

from sessai.api.pagination import whole_list_meta
from sessai.api.wire import to_wire

# Dates, times and decimals are written as DRF writes them (its encoder), so nothing a client
# reads changes with the encoder: orjson hands them over instead of writing its own format.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
_default = DRFEncoder().default


class WireResponse(Response):
    """A response whose data already has the wire's camelCase keys and only values orjson writes
    as the API does (JSON types and UUIDs): it is encoded by orjson without the per-key camelize
    walk, which for ten thousand calendar events costs more than the database."""

    wire_ready = True


def streamed_whole_list(batches, total: int):
    """The body of a whole-list answer (`{"data": [...], "pagination": {...}}`, one page of all
    `total` items, as `WholeListPagination` writes it), encoded a batch at a time: `batches` yields
    lists of items in the wire's shape and types (what a `WireResponse` holds). Only one batch is
    ever in memory, however long the list; the bytes are those the whole answer would have."""
    yield b'{"data":['
    first = True
    for batch in batches:
        if not batch:
            continue
        encoded = orjson.dumps(batch)
        yield encoded[1:-1] if first else b"," + encoded[1:-1]
        first = False
    yield b'],"pagination":' + orjson.dumps(whole_list_meta(total)) + b"}"


class JSONRenderer(DRFJSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        response = (renderer_context or {}).get("response")
        if getattr(response, "wire_ready", False) and not getattr(response, "exception", False):
            return orjson.dumps(data)  # built in the wire's shape and types (the calendar): orjson's own encoding
        return orjson.dumps(to_wire(data), default=_default, option=_OPTIONS)


class FHIRJSONRenderer(JSONRenderer):
    """`application/fhir+json` (`?format=fhir`): FHIR resources, whose keys are already the
    standard's camelCase; the view answers them as a `WireResponse`. Errors keep the envelope."""

    media_type = "application/fhir+json"
    format = "fhir"


class PDFRenderer(BaseRenderer):
    """`application/pdf` (`?format=pdf`): the view answers the document's bytes. Errors keep the
    JSON envelope (the view switches back to JSON for them)."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data
