"""FilterSet base for query parameters validated as the schema declares them."""

import django_filters

from sessai.api.serializers import EMPTY_VALUE


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
                empty = value != "" and "" in value.split(",")  # `ordering=` is the default order; `,,` is not an order
            else:
                empty = value == ""
            if empty:
                self.form.add_error(name, str(EMPTY_VALUE))
                valid = False
        return valid
