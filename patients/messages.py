from django.utils.translation import gettext_lazy as _

NAME_REQUIRED = _("Por favor ingresa el nombre del paciente.")
NAME_TOO_LONG = _("El nombre no puede exceder 100 caracteres")
RUT_INVALID = _("RUT inválido: revisa el dígito verificador")
RUT_TAKEN = _("Ya existe un paciente con este RUT en la consulta")
EMAIL_INVALID = _("Email inválido")
EMERGENCY_NAME_REQUIRED = _("Nombre del contacto de emergencia es requerido")
EMERGENCY_PHONE_REQUIRED = _("Teléfono del contacto de emergencia es requerido")
EMERGENCY_RELATIONSHIP_REQUIRED = _("Relación es requerida")
THERAPIST_INVALID = _("El terapeuta no pertenece a la consulta")
BIRTH_DATE_FUTURE = _("La fecha de nacimiento no puede estar en el futuro")
PATIENT_ARCHIVED = _("Paciente archivado")
