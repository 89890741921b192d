"""Measurement-based care (issue 35): measurement plans, questionnaires sent by link, risk alerts."""

import django.contrib.postgres.fields
import django.core.validators
import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models

from sessai.tenancy import fill_trigger_sql, parent_key_sql, row_security_sql


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_practice_not_null"),
        ("patients", "0011_same_practice_links"),
        ("scheduling", "0012_same_practice_links"),
        # the policies name the platform role, which the row-level security migration creates
        ("sessai", "0004_row_level_security"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="MeasurementPlan",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                (
                    "instruments",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=10), size=None, verbose_name="cuestionarios"
                    ),
                ),
                (
                    "frequency",
                    models.CharField(
                        choices=[
                            ("every_session", "Antes de cada sesión"),
                            ("every_n", "Cada N sesiones"),
                            ("once", "Una vez"),
                        ],
                        max_length=15,
                        verbose_name="frecuencia",
                    ),
                ),
                (
                    "every_sessions",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        null=True,
                        validators=[django.core.validators.MinValueValidator(2)],
                        verbose_name="cada cuántas sesiones",
                    ),
                ),
                ("active", models.BooleanField(default=True, verbose_name="activo")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="actualizado")),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="measurement_plans",
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
                    "updated_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="actualizado por",
                    ),
                ),
            ],
            options={
                "verbose_name": "plan de medición",
                "verbose_name_plural": "planes de medición",
                "constraints": [
                    models.UniqueConstraint(fields=("practice", "patient"), name="measurement_plan_one_per_patient"),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("frequency", "every_n"), _negated=True),
                            ("every_sessions__gte", 2),
                            _connector="OR",
                        ),
                        name="measurement_plan_every_n_count",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="QuestionnaireRequest",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                (
                    "instruments",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=10), size=None, verbose_name="cuestionarios"
                    ),
                ),
                ("answers", models.JSONField(blank=True, default=dict, verbose_name="respuestas")),
                ("sent_at", models.DateTimeField(auto_now_add=True, verbose_name="enviado")),
                ("expires_at", models.DateTimeField(verbose_name="expira")),
                ("completed_at", models.DateTimeField(blank=True, null=True, verbose_name="respondido")),
                ("risk", models.BooleanField(default=False, verbose_name="señal de riesgo")),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="questionnaire_requests",
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
                        related_name="questionnaire_requests",
                        to="scheduling.session",
                        verbose_name="sesión",
                    ),
                ),
            ],
            options={
                "verbose_name": "cuestionario enviado",
                "verbose_name_plural": "cuestionarios enviados",
                "indexes": [models.Index(fields=["practice", "patient", "sent_at"], name="questionnaire_patient")],
                "constraints": [
                    models.UniqueConstraint(fields=("practice", "session"), name="questionnaire_one_per_session")
                ],
            },
        ),
        migrations.CreateModel(
            name="RiskAlert",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("instrument", models.CharField(max_length=10, verbose_name="cuestionario")),
                ("item", models.PositiveSmallIntegerField(verbose_name="pregunta")),
                ("answer", models.PositiveSmallIntegerField(verbose_name="respuesta")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="creada")),
                ("notified_at", models.DateTimeField(blank=True, null=True, verbose_name="avisada")),
                ("acknowledged_at", models.DateTimeField(blank=True, null=True, verbose_name="revisada")),
                (
                    "acknowledged_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="revisada por",
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="risk_alerts",
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
                (
                    "therapist",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="terapeuta",
                    ),
                ),
            ],
            options={
                "verbose_name": "alerta de riesgo",
                "verbose_name_plural": "alertas de riesgo",
                "ordering": ["-created_at"],
                "indexes": [
                    models.Index(fields=["practice", "acknowledged_at", "created_at"], name="risk_alert_open"),
                    models.Index(fields=["practice", "patient"], name="risk_alert_patient"),
                ],
            },
        ),
        # each row stays in its practice (sessai/tenancy.py) and only its practice sees it
        migrations.RunSQL(*fill_trigger_sql("scheduling_measurementplan", "patients_patient", "patient_id")),
        migrations.RunSQL(*parent_key_sql("scheduling_measurementplan", "patients_patient", "patient_id")),
        migrations.RunSQL(*row_security_sql("scheduling_measurementplan")),
        migrations.RunSQL(*fill_trigger_sql("scheduling_questionnairerequest", "scheduling_session", "session_id")),
        migrations.RunSQL(*parent_key_sql("scheduling_questionnairerequest", "scheduling_session", "session_id")),
        migrations.RunSQL(*parent_key_sql("scheduling_questionnairerequest", "patients_patient", "patient_id")),
        migrations.RunSQL(*row_security_sql("scheduling_questionnairerequest")),
        migrations.RunSQL(*fill_trigger_sql("scheduling_riskalert", "scheduling_session", "session_id")),
        migrations.RunSQL(*parent_key_sql("scheduling_riskalert", "scheduling_session", "session_id")),
        migrations.RunSQL(*parent_key_sql("scheduling_riskalert", "patients_patient", "patient_id")),
        migrations.RunSQL(*row_security_sql("scheduling_riskalert")),
    ]
