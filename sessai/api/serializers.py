"""Serializer bases shared by the apps."""

from rest_framework import serializers

from sessai.api.permissions import CLINICAL


class RoleAwareSerializer(serializers.Serializer):
    """Drops `clinical_fields` unless the caller's role may see clinical content, before any
    field is computed: for an assistant the values are never read, let alone sent."""

    clinical_fields: tuple = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_see_clinical(self.context):
            for name in self.clinical_fields:
                self.fields.pop(name, None)


def may_see_clinical(context) -> bool:
    membership = context.get("membership")
    return membership is not None and membership.role in CLINICAL
