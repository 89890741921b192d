"""Sessions (appointments and clinical records), their addenda, assessments and attachments."""

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, StreamingHttpResponse
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from accounts.authentication import live_membership
from accounts.choices import Role
from patients.selectors import patient_scope, patient_visible
from scheduling import messages as msg
from scheduling import selectors, services
from scheduling.api import serializers as s
from scheduling.booking.services import booking_approve
from scheduling.choices import SessionStatus
from scheduling.dashboard import dashboard
from scheduling.models import Assessment, Attachment, Session
from sessai.api import ratelimit
from sessai.api.pagination import WholeListPagination, whole_list_meta
from sessai.api.permissions import CLINICAL, STAFF
from sessai.api.renderers import WireResponse, streamed_whole_list
from sessai.api.schema import UUID_PATTERN as UUID_RE
from sessai.api.views import PracticeAPIView, PracticeGenericAPIView, PracticeGenericViewSet, PublicAPIView
from sessai.audit import acting_as, record_access
from sessai.errors import Forbidden, NotFound, ValidationFailed
from sessai.replica import replica_reads


class SessionContextMixin:
    """Serializers get the practice timezone and, where sessions are shown, whose records the
    caller may read (one query for therapists)."""

    shows_sessions = True

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            return context
        context["tz"] = self.practice.timezone
        if self.shows_sessions:
            context["record_patient_ids"] = selectors.record_patient_ids(self.membership)
        return context


class SessionViewSet(SessionContextMixin, mixins.RetrieveModelMixin, PracticeGenericViewSet):
    """`/api/sessions`: one object for the calendar appointment and the clinical record."""

    serializer_class = s.SessionSerializer
    queryset = Session.objects.none()
    pagination_class = WholeListPagination
    allowed_roles = {
        "list": STAFF,
        "retrieve": STAFF,
        "create": STAFF,
        "partial_update": STAFF,
        "update": STAFF,
        "destroy": STAFF,
        "complete": STAFF,
        "cancel": STAFF,
        "no_show": STAFF,
        "sign": CLINICAL,
        "addenda": CLINICAL,
        "assessments": CLINICAL,
        "assessment_detail": CLINICAL,
        "attachments": CLINICAL,
        "attachment_detail": CLINICAL,
        "approve": CLINICAL,
    }
    error_statuses = {
        "create": (409,),
        "update": (409,),
        "partial_update": (409,),
        "destroy": (409,),
        "complete": (409,),
        "cancel": (409,),
        "no_show": (409,),
        "sign": (409,),
        "addenda": (409,),
        "assessments": (409,),
        "assessment_detail": (409,),
        "attachments POST": (409, 413, 429, 503),
        "attachment_detail": (409,),
        "approve": (409,),
    }

    def scoped_queryset(self, membership):
        return selectors.with_details(selectors.session_scope(membership), clinical=True)

    # -- helpers

    def _record(self):
        """The session, if the caller may read its clinical record (404 otherwise)."""
        session = self.get_object()
        visible = selectors.record_patient_ids(self.membership)
        if visible is not None and session.patient_id not in visible:
            raise NotFound()
        return session

    def _own_or_admin(self, session):
        """Therapists change only their own sessions; admins and assistants any of the practice."""
        if self.membership.role == Role.THERAPIST and session.therapist_id != self.membership.user_id:
            raise Forbidden()

    def _out(self, session, status_code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=session.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    def _out_created(self, session, *, with_assessments: bool):
        """A session just created has no record children yet, unless the request recorded
        assessments: a booking answers without reading them back (3 queries fewer)."""
        if with_assessments:
            return self._out(session, status.HTTP_201_CREATED)
        fresh = self.get_queryset().prefetch_related(None).get(pk=session.pk)
        fresh.assessment_list, fresh.attachment_list, fresh.addendum_list = [], [], []
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)

    def _patient(self, patient_id):
        patient = patient_scope(self.membership).filter(pk=patient_id).first()
        if patient is None:
            raise ValidationFailed(msg.PATIENT_NOT_FOUND, errors={"patientId": [str(msg.PATIENT_NOT_FOUND)]})
        return patient

    # -- CRUD

    @extend_schema(parameters=[s.CalendarQuerySerializer], responses={200: s.CalendarSessionSerializer(many=True)})
    def list(self, request):
        """The calendar window: every event between `start` and `end` (at most 100 days), in two
        queries whatever their number; other therapists' patients show name and time only."""
        context = self.get_serializer_context()
        params = s.CalendarQuerySerializer(data=request.query_params, context=context)
        params.is_valid(raise_exception=True)
        q = params.validated_data
        with replica_reads():  # the practice's calendar: a heavy read the replica may serve
            total, batches = selectors.calendar_rows(
                membership=self.membership,
                start=q["start"],
                end=q["end"],
                therapist_ids=q.get("therapistId"),
                statuses=q.get("status"),
                patient_id=q.get("patientId"),
                session_type=q.get("type"),
            )
        events = (s.calendar_events(batch, context=context) for batch in batches)
        if total > settings.CALENDAR_STREAM_AFTER:  # a large practice's month: never whole in memory
            return StreamingHttpResponse(streamed_whole_list(events, total), content_type="application/json")
        data = [event for batch in events for event in batch]
        return WireResponse({"data": data, "pagination": whole_list_meta(total)})

    def retrieve(self, request, *args, **kwargs):
        session = self.get_object()
        visible = selectors.record_patient_ids(self.membership)
        if self.membership.role in CLINICAL and (visible is None or session.patient_id in visible):
            record_access(session)
        return Response(self.get_serializer(session).data)

    @extend_schema(
        request=s.SessionCreateSerializer,
        responses={
            201: PolymorphicProxySerializer(
                component_name="SessionCreated",
                serializers=[s.SessionSerializer, s.SeriesResultSerializer],
                resource_type_field_name=None,
            )
        },
    )
    def create(self, request):
        """One session (`Session`), or with `recurrence` a series (`SeriesResult`)."""
        serializer = s.SessionCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        patient = self._patient(data.pop("patient_id"))
        recurrence = data.pop("recurrence", None)
        if recurrence:
            series, created, skipped = services.session_series_create(
                membership=self.membership, patient=patient, data=data, recurrence=recurrence
            )
            events = (
                selectors.with_details(selectors.session_scope(self.membership), clinical=False)
                .filter(series=series)
                .order_by("starts_at")
            )
            return Response(
                {
                    "series_id": series.id,
                    "created": s.CalendarSessionSerializer(
                        events, many=True, context=self.get_serializer_context()
                    ).data,
                    "skipped": skipped,
                },
                status=status.HTTP_201_CREATED,
            )
        with_assessments = bool(data.get("assessments"))
        session = services.session_create(membership=self.membership, patient=patient, data=data)
        return self._out_created(session, with_assessments=with_assessments)

    @extend_schema(
        request=s.SessionWriteSerializer, parameters=[s.ScopeSerializer], responses={200: s.SessionSerializer}
    )
    def partial_update(self, request, pk=None):
        session = self.get_object()
        self._own_or_admin(session)
        serializer = s.SessionWriteSerializer(
            instance=session, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("patient_id", None)  # a session never changes patient
        data.pop("assessments", None)
        clinical_keys = {"content", "goals", "notes"} & set(data)
        if clinical_keys:
            self._record()
            if self.membership.role not in CLINICAL:
                raise Forbidden()
        services.session_update(membership=self.membership, session=session, data=data, scope=self._scope())
        return self._out(session)

    def _scope(self):
        scope = s.ScopeSerializer(
            data={"scope": self.request.query_params.get("scope") or self.request.data.get("scope") or "this"}
        )
        scope.is_valid(raise_exception=True)
        return scope.validated_data["scope"]

    update = partial_update

    @extend_schema(request=None, responses={200: s.SessionSerializer})
    def destroy(self, request, pk=None):
        """Appointments are cancelled, never deleted: clinical records are kept."""
        session = self.get_object()
        self._own_or_admin(session)
        return self._out(services.session_transition(session=session, to=SessionStatus.CANCELLED))

    # -- Status

    def _transition(self, to, reason="", scope="this"):
        session = self.get_object()
        self._own_or_admin(session)
        return self._out(services.session_transition(session=session, to=to, reason=reason, scope=scope))

    @extend_schema(request=None, responses={200: s.SessionSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._transition(SessionStatus.COMPLETED)

    @extend_schema(request=s.CancelSerializer, parameters=[s.ScopeSerializer], responses={200: s.SessionSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        data = s.CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._transition(SessionStatus.CANCELLED, data.validated_data["reason"], self._scope())

    @extend_schema(request=None, responses={200: s.SessionSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Accept a patient's online request (`awaitingApproval`); cancelling it declines it."""
        session = self.get_object()
        self._own_or_admin(session)
        return self._out(booking_approve(session=session))

    @extend_schema(request=None, responses={200: s.SessionSerializer})
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request, pk=None):
        return self._transition(SessionStatus.NO_SHOW)

    # -- Record

    @extend_schema(request=None, responses={200: s.SessionSerializer})
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        session = self._record()
        self._own_or_admin(session)
        return self._out(services.session_sign(session=session, membership=self.membership))

    @extend_schema(request=s.AddendumInputSerializer, responses={201: s.AddendumSerializer})
    @action(detail=True, methods=["post"])
    def addenda(self, request, pk=None):
        session = self._record()
        data = s.AddendumInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        addendum = services.addendum_add(
            session=session, membership=self.membership, content=data.validated_data["content"]
        )
        return Response(s.AddendumSerializer(addendum).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.AssessmentInputSerializer, responses={201: s.AssessmentSerializer})
    @action(detail=True, methods=["post"])
    def assessments(self, request, pk=None):
        session = self._record()
        data = s.AssessmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = services.assessment_add(session=session, membership=self.membership, data=data.validated_data)
        return Response(s.AssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=rf"assessments/(?P<assessment_id>{UUID_RE})")
    def assessment_detail(self, request, pk=None, assessment_id=None):
        session = self._record()
        assessment = session.assessments.filter(pk=assessment_id).first()
        if assessment is None:
            raise NotFound()
        services.assessment_delete(assessment=assessment)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["GET"], request=None, responses={200: s.AttachmentSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": s.AttachmentUploadSerializer},
        responses={201: s.AttachmentSerializer},
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser], pagination_class=None)
    def attachments(self, request, pk=None):
        session = self._record()
        if request.method == "POST":
            ratelimit.enforce(request, [("upload_user", "user")])
        if request.method == "GET":
            record_access(session)
            return Response(
                s.AttachmentSerializer(session.attachment_list, many=True, context=self.get_serializer_context()).data
            )
        data = s.AttachmentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attachment = services.attachment_add(
            session=session, membership=self.membership, upload=data.validated_data["file"]
        )
        return Response(
            s.AttachmentSerializer(attachment, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=rf"attachments/(?P<attachment_id>{UUID_RE})")
    def attachment_detail(self, request, pk=None, attachment_id=None):
        session = self._record()
        attachment = session.attachments.filter(pk=attachment_id).first()
        if attachment is None:
            raise NotFound()
        services.attachment_delete(attachment=attachment)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PatientSessionsView(SessionContextMixin, PracticeGenericAPIView):
    """`GET /api/patients/{id}/sessions`: the clinical history, newest first."""

    serializer_class = s.SessionSerializer
    queryset = Session.objects.none()
    allowed_roles = CLINICAL

    def scoped_queryset(self, membership):
        return selectors.record_scope(membership)

    @extend_schema(parameters=[s.PatientSessionsQuerySerializer], responses={200: s.SessionSerializer(many=True)})
    def get(self, request, pk):
        """The clinical records (completed sessions) by default; `?status=` (repeatable) for others."""
        patient = patient_visible(self.membership, pk)
        params = s.PatientSessionsQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        record_access(patient)  # the history carries every record's content
        sessions = selectors.patient_sessions(
            membership=self.membership, patient=patient, statuses=params.validated_data["status"]
        )
        page = self.paginate_queryset(sessions)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class PatientAssessmentsView(SessionContextMixin, PracticeGenericAPIView):
    """`GET /api/patients/{id}/assessments?type=`: the series for charts, oldest first."""

    serializer_class = s.AssessmentPointSerializer
    queryset = Assessment.objects.none()
    allowed_roles = CLINICAL
    shows_sessions = False

    def scoped_queryset(self, membership):
        return selectors.record_scope(membership)

    @extend_schema(parameters=[s.AssessmentQuerySerializer], responses={200: s.AssessmentPointSerializer(many=True)})
    def get(self, request, pk):
        patient = patient_visible(self.membership, pk)
        params = s.AssessmentQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        qs = selectors.patient_assessments(
            membership=self.membership, patient=patient, type_=params.validated_data.get("type", "")
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class AttachmentDownloadView(PublicAPIView):
    """The short-lived link of local-disk attachments: the signed token is the credential."""

    @staticmethod
    def practice_from(request, pk):
        return Attachment.objects.filter(pk=pk).only("practice_id").first()

    @extend_schema(parameters=[s.LinkTokenQuerySerializer], responses={200: bytes})
    def get(self, request, pk):
        params = s.LinkTokenQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        try:
            grant = signing.loads(
                params.validated_data["token"], salt=s.ATTACHMENT_SALT, max_age=settings.ATTACHMENT_URL_MAX_AGE
            )
        except signing.BadSignature as exc:
            raise NotFound() from exc
        attachment = (
            Attachment.objects.filter(pk=pk).select_related("session").first() if grant.get("a") == str(pk) else None
        )
        if attachment is None:
            raise NotFound()
        try:  # the reader must still be signed in on that device and a member of the practice
            membership = live_membership(grant.get("u"), grant.get("s")) if grant.get("s") else None
        except (ValueError, TypeError, DjangoValidationError):
            membership = None
        if membership is None or membership.practice_id != attachment.session.practice_id:
            raise NotFound()
        reader = membership.user
        with acting_as(reader, remote_addr=request.META.get("REMOTE_ADDR")):
            record_access(attachment)
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.file_name,
            content_type=attachment.file_type,
        )


class DashboardView(PracticeAPIView):
    """`GET /api/dashboard`: the home page numbers for the caller (a therapist sees their own)."""

    allowed_roles = STAFF

    @extend_schema(responses={200: s.DashboardSerializer})
    def get(self, request):
        with replica_reads():
            return Response(dashboard(membership=self.membership))
