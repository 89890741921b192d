"""FilterSet base for query parameters validated as the schema declares them."""

import django_filters
from django.utils.translation import gettext_lazy as _

from sessai.api.serializers import EMPTY_VALUE

TOO_MANY_TERMS = _("Como máximo %(count)d criterios de orden.")


class StrictFilterSet(django_filters.FilterSet):
    """A parameter that is present must carry a value: `?therapistId=` is a 400, not "no filter"
    (the schema declares a uuid or an enum, which an empty string is not). Free-text filters
    (`CharFilter` without a method of their own) may be empty."""

    def is_valid(self):
        valid = super().is_valid()
        for name, value in self.data.items():
            field = self.filters.get(name)
            if field is None or isinstance(field, django_filters.CharFilter):
                continue
            if isinstance(field, django_filters.OrderingFilter):
                terms = value.split(",")
                if len(terms) > len(field.param_map):  # the schema's maxItems: one term per field
                    self.form.add_error(name, str(TOO_MANY_TERMS) % {"count": len(field.param_map)})
                    valid = False
                    continue
                empty = "" in terms  # `ordering=` or `,,` names no order (leave the parameter out for the default)
            else:
                empty = value == ""
            if empty:
                self.form.add_error(name, str(EMPTY_VALUE))
                valid = False
        return valid
