"""Request body parsing: every JSON body of this API is an object."""

from django.utils.translation import gettext_lazy as _
from djangorestframework_camel_case.parser import CamelCaseJSONParser
from rest_framework.exceptions import ParseError

NOT_AN_OBJECT = _("El cuerpo de la solicitud debe ser un objeto JSON.")
TOO_DEEP = _("El cuerpo de la solicitud está anidado demasiado profundo.")


class JSONObjectParser(CamelCaseJSONParser):
    """camelCase JSON → snake_case, refusing with a 400 (never a 500) a top-level array or scalar
    and a document nested past Python's recursion limit."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(TOO_DEEP) from exc
        if not isinstance(data, dict):
            raise ParseError(NOT_AN_OBJECT)
        return data
