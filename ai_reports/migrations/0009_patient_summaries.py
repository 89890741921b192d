"""Patient summaries (issue 35, part 7): the practice's switch, and the summaries, each kept in its
practice by the database (sessai/tenancy.py)."""

import django.db.models.deletion
import uuid
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models

from sessai.tenancy import fill_trigger_sql, parent_key_sql, row_security_sql


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_practice_not_null"),
        ("ai_reports", "0008_same_practice_links"),
        ("patients", "0012_summaries_opt_out"),
        ("scheduling", "0013_measurement"),
        # the policies name the platform role, which the row-level security migration creates
        ("sessai", "0004_row_level_security"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="practiceaisettings",
            name="patient_summaries",
            field=models.BooleanField(
                db_default=False, default=False, verbose_name="resúmenes de sesión para pacientes"
            ),
        ),
        migrations.CreateModel(
            name="PatientSummary",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("content", models.TextField(blank=True, verbose_name="resumen")),
                (
                    "status",
                    models.CharField(
                        choices=[("draft", "Borrador"), ("approved", "Aprobado"), ("sent", "Enviado")],
                        default="draft",
                        max_length=10,
                        verbose_name="estado",
                    ),
                ),
                ("ai_model", models.CharField(blank=True, max_length=80, verbose_name="modelo")),
                (
                    "credits",
                    models.DecimalField(decimal_places=1, default=Decimal("0"), max_digits=14, verbose_name="créditos"),
                ),
                ("approved_at", models.DateTimeField(blank=True, null=True, verbose_name="aprobado")),
                ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="enviado")),
                ("sent_to", models.EmailField(blank=True, max_length=254, verbose_name="enviado a")),
                ("viewed_at", models.DateTimeField(blank=True, null=True, verbose_name="leído por el paciente")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="creado")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="actualizado")),
                (
                    "approved_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="aprobado por",
                    ),
                ),
                (
                    "edited_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="editado por",
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="patient_summaries",
                        to="patients.patient",
                        verbose_name="paciente",
                    ),
                ),
                (
                    "practice",
                    models.ForeignKey(
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.practice",
                        verbose_name="consulta",
                    ),
                ),
                (
                    "session",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="scheduling.session",
                        verbose_name="sesión",
                    ),
                ),
            ],
            options={
                "verbose_name": "resumen para el paciente",
                "verbose_name_plural": "resúmenes para pacientes",
                "indexes": [models.Index(fields=["practice", "patient", "created_at"], name="patient_summary_patient")],
                "constraints": [
                    models.UniqueConstraint(fields=("practice", "session"), name="patient_summary_one_per_session"),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "sent"), _negated=True),
                            models.Q(
                                ("approved_at__isnull", False),
                                ("sent_at__isnull", False),
                                models.Q(("sent_to", ""), _negated=True),
                            ),
                            _connector="OR",
                        ),
                        name="patient_summary_sent_approved",
                    ),
                ],
            },
        ),
        migrations.RunSQL(*fill_trigger_sql("ai_reports_patientsummary", "scheduling_session", "session_id")),
        migrations.RunSQL(*parent_key_sql("ai_reports_patientsummary", "scheduling_session", "session_id")),
        migrations.RunSQL(*parent_key_sql("ai_reports_patientsummary", "patients_patient", "patient_id")),
        migrations.RunSQL(*row_security_sql("ai_reports_patientsummary")),
    ]
