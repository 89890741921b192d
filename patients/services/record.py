"""A patient's record for the patient or another system: a readable PDF copy (WeasyPrint) and the
full package, a ZIP with the FHIR bundle, the PDF, the access log and the attachment files.

Both are built from the same export sections as the JSON export, so the three copies cannot
disagree. The package is built by a background job (`patients.tasks.build_export_package`) and
sent to the admin who asked for it as a signed link that expires after `EXPORT_PACKAGE_HOURS`."""

import io
import json
import logging
import zipfile
from datetime import timedelta
from zoneinfo import ZoneInfo

import nh3
from django.apps import apps
from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import emails
from accounts.choices import Role
from accounts.models import Membership
from patients import access_log
from patients.choices import ExportPackageStatus
from patients.export import patient_export
from patients.models import ExportPackage, Patient
from patients.rut import rut_format
from sessai import csvfile
from sessai.charts import score_lines
from sessai.jobs import defer_on_commit
from sessai.pdf import html_to_pdf

logger = logging.getLogger(__name__)
PACKAGE_SALT = "patients.export-package"
# Who receives a patient's data when the practice uses SessAI (the record's copy and the answer to an
# access request list them).
RECIPIENTS = [
    gettext_lazy("SessAI (encargado del tratamiento): alojamiento de la ficha en PostgreSQL."),
    gettext_lazy(
        "Google (Gemini API): textos seudonimizados para informes y documentación, y audio de sesiones "
        "grabadas con consentimiento; transferencia internacional."
    ),
    gettext_lazy("Proveedor de correo electrónico: recordatorios, enlaces y avisos."),
    gettext_lazy(
        "Almacenamiento de archivos (Amazon S3 cuando está configurado): adjuntos, grabaciones e informes PDF."
    ),
]
RECORD_TAGS = {"p", "br", "strong", "em", "b", "i", "u", "ul", "ol", "li", "h1", "h2", "h3", "h4", "blockquote", "hr"}


def _local(value: str | None, tz):
    moment = parse_datetime(value) if value else None
    return moment.astimezone(tz) if moment else None


def _profile(patient: Patient) -> dict:
    return {
        "id": str(patient.pk),
        "name": patient.name,
        "rut": rut_format(patient.rut),
        "email": patient.email,
        "phone": patient.phone,
        "birthDate": patient.birth_date.isoformat() if patient.birth_date else None,
        "address": patient.address or {},
        "emergencyContact": patient.emergency_contact or {},
        "notes": patient.notes,
    }


def record_pdf(patient: Patient) -> bytes:
    """The readable copy of the record: identification, every session with its note and addenda,
    assessments, reports, and who receives the data (what an access request must answer)."""
    tz = ZoneInfo(patient.practice.timezone)
    record = patient_export(patient=patient, profile=_profile(patient))
    sessions = [
        {
            **s,
            "starts": _local(s["startsAt"], tz),
            "html": nh3.clean(s.get("content") or "", tags=RECORD_TAGS),
            "addenda": [
                {**a, "at": _local(a["createdAt"], tz), "html": nh3.clean(a["content"], tags=RECORD_TAGS)}
                for a in s.get("addenda", [])
            ],
        }
        for s in record.get("sessions", [])
    ]
    assessments = [{**a, "at": _local(a["createdAt"], tz)} for a in record.get("assessments", [])]
    chart = score_lines(
        {
            name: [(a["at"].date(), a["score"]) for a in assessments if a["type"] == code and a["score"] is not None]
            for code, name in (("phq9", "PHQ-9"), ("gad7", "GAD-7"))
        },
        maximum=27,
    )
    reports = [{**r, "at": _local(r["createdAt"], tz)} for r in record.get("reports", [])]
    html = render_to_string(
        "records/patient.html",
        {
            "practice": patient.practice,
            "patient": patient,
            "rut": rut_format(patient.rut),
            "generated_at": timezone.now().astimezone(tz),
            "sessions": sessions,
            "assessments": assessments,
            "chart": chart,
            "reports": reports,
            "recipients": RECIPIENTS,
        },
    )
    return html_to_pdf(html)


def access_log_csv(patient: Patient) -> bytes:
    buffer = io.StringIO()
    out = csvfile.writer(buffer)
    out.writerow([_("fecha"), _("persona"), _("acción"), _("objeto"), _("id del objeto"), _("IP")])
    tz = ZoneInfo(patient.practice.timezone)
    for row in access_log.entries(patient).iterator(chunk_size=2000):
        out.writerow(
            [
                row.timestamp.astimezone(tz).isoformat(),
                row.actor.name if row.actor else "",
                access_log.ACTIONS.get(row.action, "update"),
                access_log.kind_of(row),
                row.object_pk,
                row.remote_addr or "",
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")  # the BOM lets spreadsheet programs read the accents


def build_package_zip(patient: Patient) -> bytes:
    from patients.fhir import patient_bundle  # noqa: PLC0415 (heavy: fhir.resources, ~0.2 s at start-up, loaded on first use)

    Attachment = apps.get_model("scheduling", "Attachment")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("ficha.fhir.json", json.dumps(patient_bundle(patient), ensure_ascii=False, indent=1))
        archive.writestr("ficha.pdf", record_pdf(patient))
        archive.writestr("registro-de-accesos.csv", access_log_csv(patient))
        for attachment in Attachment.objects.filter(session__patient=patient).order_by("created_at"):
            safe_name = attachment.file_name.replace("/", "_").replace("\\", "_")[:120]
            with attachment.file.open("rb") as handle:
                archive.writestr(f"adjuntos/{attachment.pk}-{safe_name}", handle.read())
    return buffer.getvalue()


def package_request(*, membership, patient: Patient) -> ExportPackage:
    """Queue the package; the job emails the link once it is built."""
    package = ExportPackage.objects.create(
        practice_id=membership.practice_id, patient=patient, requested_by=membership.user
    )
    defer_on_commit("patients.tasks.build_export_package", package_id=str(package.pk))
    return package


def package_link(package: ExportPackage) -> str:
    token = signing.dumps({"p": str(package.pk), "u": str(package.requested_by_id)}, salt=PACKAGE_SALT)
    return f"{settings.PUBLIC_BASE_URL}{reverse('portal:export-package', args=[package.pk, token])}"


def package_build(package_id) -> bool:
    """Build, store and send one package. Safe to run twice: a built package is not rebuilt."""
    with transaction.atomic():
        package = (
            ExportPackage.objects.select_for_update(of=("self",))
            .select_related("patient__practice", "requested_by__profile")
            .filter(pk=package_id)
            .first()
        )
        if package is None or package.status != ExportPackageStatus.PENDING:
            return False
        try:
            content = build_package_zip(package.patient)
        except Exception:  # a missing attachment file, a PDF error: recorded, and the admin may ask again
            logger.exception("export package %s failed", package.pk)
            package.status = ExportPackageStatus.FAILED
            package.save(update_fields=["status"])
            return False
        package.file.save(f"{package.pk}.zip", ContentFile(content), save=False)
        package.status, package.size = ExportPackageStatus.READY, len(content)
        package.ready_at = timezone.now()
        package.expires_at = package.ready_at + timedelta(hours=settings.EXPORT_PACKAGE_HOURS)
        package.save(update_fields=["file", "status", "size", "ready_at", "expires_at"])
        user = package.requested_by
        profile = getattr(user, "profile", None)
        emails.send(
            template="export_package_ready",
            to=user.email,
            language=profile.language if profile else None,
            practice=package.patient.practice,
            from_name=package.patient.practice.name,
            context={
                "link": package_link(package),
                "expires_at": package.expires_at,
                "hours": settings.EXPORT_PACKAGE_HOURS,
                "practice": package.patient.practice,
            },
        )
    return True


def package_from_token(pk, token: str) -> ExportPackage | None:
    """The package a link names, while the link lives, the file exists and the person who asked
    is still an active admin of the practice."""
    try:
        grant = signing.loads(token, salt=PACKAGE_SALT, max_age=settings.EXPORT_PACKAGE_HOURS * 3600)
    except signing.BadSignature:
        return None
    if grant.get("p") != str(pk):
        return None
    package = (
        ExportPackage.objects.filter(pk=pk, status=ExportPackageStatus.READY)
        .exclude(file="")
        .select_related("patient")
        .first()
    )
    if package is None or str(package.requested_by_id) != grant.get("u") or package.expires_at <= timezone.now():
        return None
    if (
        not Membership.objects.active()
        .filter(practice_id=package.practice_id, user_id=package.requested_by_id, role=Role.ADMIN)
        .exists()
    ):
        return None
    return package


def packages_expire(*, now=None) -> int:
    """Delete the files of packages whose link has expired (the row stays, as the record of the export)."""
    now = now or timezone.now()
    count = 0
    for package in ExportPackage.objects.filter(expires_at__lte=now).exclude(file=""):
        package.file.delete(save=False)
        ExportPackage.objects.filter(pk=package.pk).update(file="")
        count += 1
    return count
