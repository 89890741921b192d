"""A member's weekly working hours as the API shows them: the 7-day map {monday: {start, end,
available}, ...}. The rows live in scheduling (`AvailabilityDay`, reverse name `availability`);
the map is built here so the team list can embed it without depending on scheduling."""

from django.conf import settings

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def weekly_schedule_from_rows(rows: dict) -> dict:
    """The map from `{weekday index: row}`; a day without a row takes settings.DEFAULT_WEEKLY_SCHEDULE."""
    schedule = {}
    for index, day in enumerate(WEEKDAYS):
        row = rows.get(index)
        if row is not None:
            schedule[day] = {
                "start": row.start.strftime("%H:%M"),
                "end": row.end.strftime("%H:%M"),
                "available": row.available,
            }
        else:
            start, end, available = settings.DEFAULT_WEEKLY_SCHEDULE[day]
            schedule[day] = {"start": start, "end": end, "available": available}
    return schedule
