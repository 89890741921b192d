"""Patient shapes. Responses always use the nested `address` / `emergencyContact`; requests may
also use the UI form's flat keys (`address` string, `emergencyContact` name, `emergencyPhone`)."""

from datetime import date

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from patients import messages as msg
from patients.choices import ExportPackageStatus, PatientStatus
from patients.rut import rut_format, rut_normalize
from sessai.api.serializers import InputSerializer, QuerySerializer, RoleAwareSerializer
from sessai.api.wire import WireSerializer


class PatientAddressSerializer(InputSerializer):
    street = serializers.CharField(max_length=200, allow_blank=True, required=False)
    city = serializers.CharField(max_length=100, allow_blank=True, required=False)
    region = serializers.CharField(max_length=100, allow_blank=True, required=False)
    zip_code = serializers.CharField(max_length=20, allow_blank=True, required=False)


class EmergencyContactSerializer(InputSerializer):
    """The whole contact, also in a PATCH (a partial update replaces the contact; DRF's `partial`
    would otherwise let `{}` through as an empty contact)."""

    name = serializers.CharField(
        max_length=100, error_messages={"required": msg.EMERGENCY_NAME_REQUIRED, "blank": msg.EMERGENCY_NAME_REQUIRED}
    )
    phone = serializers.CharField(
        max_length=30, error_messages={"required": msg.EMERGENCY_PHONE_REQUIRED, "blank": msg.EMERGENCY_PHONE_REQUIRED}
    )
    relationship = serializers.CharField(
        max_length=50,
        error_messages={"required": msg.EMERGENCY_RELATIONSHIP_REQUIRED, "blank": msg.EMERGENCY_RELATIONSHIP_REQUIRED},
    )

    def to_internal_value(self, data):
        if isinstance(data, dict):
            missing = {
                name: [str(field.error_messages["required"])]
                for name, field in self.fields.items()
                if field.required and name not in data
            }
            if missing:
                raise serializers.ValidationError(missing)
        return super().to_internal_value(data)


class FlatEmergencyContactSerializer(EmergencyContactSerializer):
    """The UI's create form has no relationship input."""

    phone = serializers.CharField(max_length=30, allow_blank=True, required=False, default="")
    relationship = serializers.CharField(max_length=50, allow_blank=True, required=False, default="")


class PatientWriteSerializer(InputSerializer):
    # The UI's create form sends these flat (an address line; the contact's name beside
    # `emergencyPhone`): taken too, and declared as such in the schema.
    flat_alternatives = {
        "address": {"type": "string", "maxLength": 200},
        "emergency_contact": {"type": "string", "maxLength": 100},
    }
    name = serializers.CharField(
        max_length=100,
        error_messages={"required": msg.NAME_REQUIRED, "blank": msg.NAME_REQUIRED, "max_length": msg.NAME_TOO_LONG},
    )
    rut = serializers.CharField(max_length=20, allow_blank=True, required=False)
    email = serializers.EmailField(
        max_length=254, allow_blank=True, required=False, error_messages={"invalid": msg.EMAIL_INVALID}
    )
    phone = serializers.CharField(max_length=30, allow_blank=True, required=False)
    birth_date = serializers.DateField(allow_null=True, required=False)
    address = PatientAddressSerializer(required=False)
    emergency_contact = EmergencyContactSerializer(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=PatientStatus.choices, required=False)
    notes = serializers.CharField(max_length=20000, allow_blank=True, required=False, trim_whitespace=False)
    primary_therapist_id = serializers.UUIDField(allow_null=True, required=False)
    therapist_ids = serializers.ListField(child=serializers.UUIDField(), required=False, max_length=20)
    ai_processing = serializers.BooleanField(
        required=False,
        help_text=_(
            "false: el paciente se opone al procesamiento con IA (ningún informe, documentación ni grabación con IA). "
            "Volver a true levanta la oposición: solo administradores, con `aiProcessingReason`"
        ),
    )
    ai_processing_reason = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        help_text=_("Por qué cambia `aiProcessing` (obligatorio al levantar una oposición); queda en la auditoría"),
    )

    def to_internal_value(self, data):
        if hasattr(data, "copy"):
            data = data.copy()
            address = data.get("address")
            if isinstance(address, str):
                data["address"] = {"street": address} if address.strip() else {}
            contact = data.get("emergency_contact")
            if isinstance(contact, str):
                phone = data.get("emergency_phone") or ""
                self.fields["emergency_contact"] = FlatEmergencyContactSerializer(required=False, allow_null=True)
                data["emergency_contact"] = {"name": contact, "phone": phone} if (contact.strip() or phone) else None
            data.pop("emergency_phone", None)
        return super().to_internal_value(data)

    def validate_rut(self, value):
        if not value.strip():
            return ""
        try:
            return rut_normalize(value)
        except ValueError as exc:
            raise serializers.ValidationError(msg.RUT_INVALID) from exc

    def validate_birth_date(self, value):
        if value and value > date.today():
            raise serializers.ValidationError(msg.BIRTH_DATE_FUTURE)
        return value

    def validate_emergency_contact(self, value):
        return value or {}

    def validate_name(self, value):
        if not value.strip():
            raise serializers.ValidationError(msg.NAME_REQUIRED)
        return value.strip()


class TherapistRefSerializer(WireSerializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class PatientSerializer(RoleAwareSerializer):
    clinical_fields = ("notes", "open_risk_alert")

    id = serializers.UUIDField()
    name = serializers.CharField()
    rut = serializers.SerializerMethodField()
    email = serializers.CharField()
    phone = serializers.CharField()
    birth_date = serializers.DateField(allow_null=True)
    address = serializers.SerializerMethodField()
    emergency_contact = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=PatientStatus.choices)
    notes = serializers.CharField()
    ai_processing = serializers.BooleanField(help_text=_("false: se opone al procesamiento con IA"))
    processing_blocked = serializers.BooleanField(
        help_text=_("Tratamiento bloqueado mientras se resuelve una solicitud")
    )
    primary_therapist_id = serializers.UUIDField(allow_null=True)
    therapist_ids = serializers.SerializerMethodField()
    open_risk_alert = serializers.SerializerMethodField(
        help_text=_("Tiene una alerta de riesgo de cuestionario sin revisar (`GET /api/risk-alerts?patientId=`).")
    )
    therapists = TherapistRefSerializer(source="care_team_refs", many=True)
    total_sessions = serializers.IntegerField()
    first_session_date = serializers.DateField(allow_null=True)
    last_session_date = serializers.DateField(allow_null=True)
    duplicate_of_id = serializers.UUIDField(
        allow_null=True,
        help_text=_(
            "Reservó en línea con un RUT o correo de esta ficha sin probar que es suyo: revisar y fusionar "
            "(`POST /patients/{id}/merge`) o dejar aparte. En una ficha fusionada, adónde se movió."
        ),
    )
    claimed_rut = serializers.SerializerMethodField(
        help_text=_("El RUT que escribió al reservar, cuando ya era de otra ficha")
    )
    merged_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_open_risk_alert(self, patient) -> bool:
        return bool(getattr(patient, "open_risk_alert", False))

    def get_claimed_rut(self, patient) -> str:
        return rut_format(patient.claimed_rut)

    def get_rut(self, patient) -> str:
        return rut_format(patient.rut)

    def get_address(self, patient) -> PatientAddressSerializer:
        a = patient.address or {}
        return {
            "street": a.get("street", ""),
            "city": a.get("city", ""),
            "region": a.get("region", ""),
            "zip_code": a.get("zip_code", ""),
        }

    def get_emergency_contact(self, patient) -> EmergencyContactSerializer(allow_null=True):
        c = patient.emergency_contact or {}
        if not c:
            return None
        return {"name": c.get("name", ""), "phone": c.get("phone", ""), "relationship": c.get("relationship", "")}

    def get_therapist_ids(self, patient) -> list[str]:
        primary = str(patient.primary_therapist_id)
        return [member["id"] for member in patient.care_team_refs if member["id"] != primary]


class PatientExportQuerySerializer(QuerySerializer):
    format = serializers.ChoiceField(choices=["json", "fhir", "pdf"], required=False)


class PatientMergeSerializer(InputSerializer):
    target_id = serializers.UUIDField(help_text=_("La ficha que se queda con todo; esta se archiva"))


class PatientPickSerializer(WireSerializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    rut = serializers.SerializerMethodField()

    def get_rut(self, patient) -> str:
        return rut_format(patient.rut)


class PatientSearchQuerySerializer(QuerySerializer):
    q = serializers.CharField(max_length=100, allow_blank=True, required=False, default="", help_text=_("Nombre o RUT"))


class PatientExportSerializer(WireSerializer):
    """The portability export: the patient and one section per domain (sessions, assessments,
    reports), each a list of records as the API shows them."""

    exported_at = serializers.DateTimeField()
    patient = PatientSerializer()
    sessions = serializers.ListField(child=serializers.DictField())
    assessments = serializers.ListField(child=serializers.DictField())
    reports = serializers.ListField(child=serializers.DictField())


ACCESS_ACTIONS = [("read", "read"), ("create", "create"), ("update", "update"), ("delete", "delete")]
ACCESS_OBJECTS = [
    (k, k) for k in ("patient", "session", "assessment", "attachment", "report", "recording", "transcript", "consent")
]


class AccessActorSerializer(WireSerializer):
    id = serializers.UUIDField(allow_null=True)
    name = serializers.CharField(help_text=_("Vacío: el sistema (una tarea en segundo plano)"))
    role = serializers.CharField(allow_null=True, help_text=_("Su rol en la consulta; null si ya no es miembro"))


class AccessLogEntrySerializer(WireSerializer):
    at = serializers.DateTimeField()
    actor = AccessActorSerializer()
    action = serializers.ChoiceField(
        choices=ACCESS_ACTIONS, help_text=_("read: lectura de contenido clínico o exportación")
    )
    object_type = serializers.ChoiceField(choices=ACCESS_OBJECTS)
    object_id = serializers.CharField()
    ip = serializers.CharField(allow_null=True)


class AccessLogQuerySerializer(QuerySerializer):
    since = serializers.DateTimeField(required=False, help_text=_("Desde (incluido)"))
    until = serializers.DateTimeField(required=False, help_text=_("Hasta (excluido)"))


class ExportPackageSerializer(WireSerializer):
    id = serializers.UUIDField()
    patient_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=ExportPackageStatus.choices)
    created_at = serializers.DateTimeField()
