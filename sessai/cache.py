"""Read-mostly values kept in the shared cache (Redis with REDIS_URL, else the database cache)
and dropped by whoever changes them."""

from collections.abc import Callable

from django.core.cache import cache

MISSING = object()
TTL = 60 * 15


def cached(key: str, produce: Callable, ttl: int = TTL):
    value = cache.get(key, MISSING)
    if value is MISSING:
        value = produce()
        cache.set(key, value, ttl)
    return value


def forget(*keys: str) -> None:
    cache.delete_many(list(keys))
