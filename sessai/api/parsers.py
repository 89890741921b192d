"""Request body parsing: every JSON body of this API is an object of valid text."""

from django.utils.translation import gettext_lazy as _
from djangorestframework_camel_case.parser import CamelCaseJSONParser
from rest_framework.exceptions import ParseError

from sessai.validtext import MESSAGE, first_invalid

NOT_AN_OBJECT = _("El cuerpo de la solicitud debe ser un objeto JSON.")
TOO_DEEP = _("El cuerpo de la solicitud está anidado demasiado profundo.")


class InvalidText(ParseError):
    """A string with a NUL or a lone surrogate (sessai.validtext); `field` says where."""

    default_code = "invalid_text"

    def __init__(self, field: str):
        super().__init__(MESSAGE)
        self.field = field


class JSONObjectParser(CamelCaseJSONParser):
    """camelCase JSON → snake_case, refusing with a 400 (never a 500) a top-level array or scalar,
    a document nested past Python's recursion limit, and invalid text anywhere in it."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(TOO_DEEP) from exc
        if not isinstance(data, dict):
            raise ParseError(NOT_AN_OBJECT)
        where = first_invalid(data)
        if where is not None:
            raise InvalidText(where)
        return data
