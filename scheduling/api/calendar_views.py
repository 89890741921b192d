"""Calendar support: therapists, weekly schedules, blocked times, free slots, display settings and
the private iCal feed."""

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.response import Response

from accounts.api.serializers import WeeklyScheduleMapSerializer
from accounts.choices import Role
from accounts.models import Membership
from scheduling import feeds, rules, selectors
from scheduling import messages as msg
from scheduling.api import serializers as s
from scheduling.models import BlockedTime, CalendarSettings
from scheduling.services import availability
from scheduling.timeutils import local_datetime
from sessai.api.permissions import ADMIN, CLINICAL, STAFF
from sessai.api.views import PracticeAPIView, PracticeGenericViewSet, PublicAPIView
from sessai.cache import cached
from sessai.errors import Forbidden, NotFound, ValidationFailed


class TherapistListView(PracticeAPIView):
    """`GET /api/therapists`: the calendar resources `[{id, name, email, color}]`."""

    allowed_roles = STAFF

    @extend_schema(responses={200: s.TherapistSerializer(many=True)})
    def get(self, request):
        return Response(s.TherapistSerializer(selectors.therapists(membership=self.membership), many=True).data)


def _member(membership, user_id) -> Membership:
    target = Membership.objects.active().filter(practice_id=membership.practice_id, user_id=user_id).first()
    if target is None:
        raise NotFound()
    return target


class WeeklyScheduleView(PracticeAPIView):
    """`GET/PUT /api/admin/team/{id}/schedule`: admins edit anyone's, therapists their own;
    every member may read (assistants book against it)."""

    allowed_roles = {"GET": STAFF, "PUT": CLINICAL, "PATCH": CLINICAL}

    def _target(self, pk):
        target = _member(self.membership, pk)
        if (
            self.request.method != "GET"
            and self.membership.role != Role.ADMIN
            and target.user_id != self.membership.user_id
        ):
            raise Forbidden()
        return target

    @extend_schema(responses={200: WeeklyScheduleMapSerializer})
    def get(self, request, pk):
        return Response(rules.weekly_schedule(self._target(pk)))

    @extend_schema(request=s.WeeklyScheduleSerializer, responses={200: WeeklyScheduleMapSerializer})
    def put(self, request, pk):
        target = self._target(pk)
        data = s.WeeklyScheduleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(availability.weekly_schedule_set(membership=target, schedule=data.validated_data))

    patch = put


@extend_schema_view(list=extend_schema(parameters=[s.BlockedTimeQuerySerializer]))
class BlockedTimeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PracticeGenericViewSet):
    """`/api/blocked-times`: admins and assistants for anyone, therapists for themselves."""

    serializer_class = s.BlockedTimeSerializer
    queryset = BlockedTime.objects.none()
    allowed_roles = STAFF

    def scoped_queryset(self, membership):
        return selectors.blocked_time_scope(membership).select_related("therapist").order_by("starts_at", "id")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "tz": self.practice.timezone}

    def filter_queryset(self, queryset):
        params = s.BlockedTimeQuerySerializer(data=self.request.query_params, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        filters = params.validated_data
        if filters.get("therapistId"):
            queryset = queryset.filter(therapist_id=filters["therapistId"])
        if filters.get("start"):
            queryset = queryset.filter(ends_at__gt=filters["start"])
        if filters.get("end"):
            queryset = queryset.filter(starts_at__lt=filters["end"])
        return queryset

    @extend_schema(request=s.BlockedTimeInputSerializer, responses={201: s.BlockedTimeSerializer})
    def create(self, request):
        data = s.BlockedTimeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        tz = self.practice.timezone
        day = values.pop("date")
        starts_at = local_datetime(day, values.pop("start_time"), tz)
        ends_at = local_datetime(day, values.pop("end_time"), tz, field="endTime")
        if ends_at <= starts_at:
            raise ValidationFailed(msg.END_BEFORE_START, errors={"endTime": [str(msg.END_BEFORE_START)]})
        blocked = availability.blocked_time_create(
            membership=self.membership, data={**values, "starts_at": starts_at, "ends_at": ends_at}
        )
        return Response(self.get_serializer(blocked).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request, pk=None):
        availability.blocked_time_delete(membership=self.membership, blocked=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class FreeSlotsView(PracticeAPIView):
    """`GET /api/availability?therapistId=&date=&duration=`: free start times that day."""

    allowed_roles = STAFF
    error_statuses = {"GET": (404,)}

    @extend_schema(parameters=[s.AvailabilityQuerySerializer], responses={200: s.FreeSlotsSerializer})
    def get(self, request):
        params = s.AvailabilityQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        q = params.validated_data
        target = _member(self.membership, q["therapistId"])
        slots = selectors.free_slots(practice=self.practice, membership=target, day=q["date"], duration=q["duration"])
        return Response({"therapist_id": target.user_id, "date": q["date"], "duration": q["duration"], "slots": slots})


class CalendarSettingsView(PracticeAPIView):
    """`GET/PUT /api/admin/calendar/settings`: every member reads them (the calendar uses them); admins change them."""

    allowed_roles = {"GET": STAFF, "PUT": ADMIN, "PATCH": ADMIN}

    def _settings(self):
        settings_, _ = CalendarSettings.objects.get_or_create(practice=self.practice)
        return settings_

    @extend_schema(responses={200: s.CalendarSettingsSerializer})
    def get(self, request):
        data = cached(
            f"cal:settings:{self.practice.pk}", lambda: dict(s.CalendarSettingsSerializer(self._settings()).data)
        )
        return Response(data)

    @extend_schema(request=s.CalendarSettingsSerializer, responses={200: s.CalendarSettingsSerializer})
    def put(self, request):
        data = s.CalendarSettingsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        current = self._settings()
        for field, value in data.validated_data.items():
            setattr(current, field, value)
        current.save()
        return Response(s.CalendarSettingsSerializer(current).data)

    patch = put


class CalendarFeedView(PracticeAPIView):
    """`GET/POST/DELETE /api/calendar/feed`: the caller's private iCal link; POST creates or rotates
    it (the old link stops working) and is the only time the URL is shown."""

    allowed_roles = CLINICAL

    @extend_schema(responses={200: s.FeedSerializer})
    def get(self, request):
        return Response(feeds.feed_status(membership=self.membership))

    @extend_schema(request=s.FeedRequestSerializer, responses={201: s.FeedSerializer})
    def post(self, request):
        data = s.FeedRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token = feeds.feed_rotate(
            membership=self.membership, expires_in_days=data.validated_data.get("expires_in_days")
        )
        url = request.build_absolute_uri(f"/api/calendar/{self.membership.user_id}.ics?token={token}")
        return Response({**feeds.feed_status(membership=self.membership), "url": url}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        feeds.feed_revoke(membership=self.membership)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CalendarIcsView(PublicAPIView):
    """`GET /api/calendar/{therapistId}.ics?token=`: the feed itself; the token is the credential."""

    @staticmethod
    def practice_from(request, therapist_id):
        token = request.query_params.get("token")
        return feeds.feed_named(therapist_id=therapist_id, token=token) if isinstance(token, str) else None

    @extend_schema(parameters=[s.LinkTokenQuerySerializer], responses={(200, "text/calendar"): bytes})
    def get(self, request, therapist_id):
        params = s.LinkTokenQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        body = feeds.feed_ics(therapist_id=therapist_id, token=params.validated_data["token"])
        if body is None:
            raise NotFound()
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Cache-Control"] = "private, max-age=300"
        return response
