"""Wall-clock times in the practice's timezone <-> aware datetimes, DST included."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduling import messages as msg
from sessai.errors import ValidationFailed


def local_datetime(day: date, at: time, tz_name: str, *, field: str = "startTime") -> datetime:
    """The instant (in UTC) a wall-clock time names in `tz_name`. Times skipped by a DST change are
    refused; repeated ones (the autumn hour) take the first occurrence. UTC, because arithmetic on
    datetimes carrying a ZoneInfo is wall-clock arithmetic: 23:30 + 60 min across the April change
    would last two real hours."""
    tz = ZoneInfo(tz_name)
    value = datetime.combine(day, at, tzinfo=tz)
    roundtrip = value.astimezone(UTC).astimezone(tz)
    if (roundtrip.date(), roundtrip.time()) != (day, at.replace(tzinfo=None)):
        raise ValidationFailed(msg.NONEXISTENT_TIME, errors={field: [str(msg.NONEXISTENT_TIME)]})
    return value.astimezone(UTC)


def day_bounds(day: date, tz_name: str) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar day, whatever its length (23 or 25 hours at DST changes)."""
    tz = ZoneInfo(tz_name)
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    # At a spring-forward midnight the first valid instant is 01:00; fold=0 already resolves it.
    return start.astimezone(UTC), end.astimezone(UTC)
