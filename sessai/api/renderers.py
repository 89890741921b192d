"""JSON on the wire: camelCase keys (djangorestframework-camel-case) for serializer output, and a
fast path for data already built in the wire's shape."""

import orjson
from djangorestframework_camel_case.render import CamelCaseJSONRenderer
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response


class WireResponse(Response):
    """A response whose data already has the wire's camelCase keys and only values orjson writes
    as the API does (JSON types and UUIDs): it is encoded by orjson without the per-key camelize
    walk, which for ten thousand calendar events costs more than the database."""

    wire_ready = True


class JSONRenderer(CamelCaseJSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if getattr(response, "wire_ready", False) and not getattr(response, "exception", False):
            return orjson.dumps(data)
        return super().render(data, accepted_media_type, renderer_context)


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
