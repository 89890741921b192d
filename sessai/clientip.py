"""The client's address behind the platform's router or a load balancer.

`X-Forwarded-For` is believed only as far as it was written by proxies we trust:

- `TRUSTED_PROXIES` (CIDRs): the peer must be one of them; the client is then the right-most
  address of `X-Forwarded-For` that is not itself a trusted proxy.
- `TRUSTED_PROXY_HOPS` (a count, for routers whose addresses are not known in advance): the last
  `n` hops are proxies, so the client is the n-th address from the right.

With neither (the default), or from any other peer, the header is ignored and the client is the
peer. `ClientAddressMiddleware` puts the answer in `REMOTE_ADDR` first thing, so rate limits,
audit entries, device sessions and patients' signatures all read the same value (the peer stays in
`SESSAI_PEER_ADDR`).

Written here rather than taken from django-ipware: ipware picks an address out of the header by
position or by proxy prefix, but does not require the peer itself to be a trusted proxy, which is
what makes a forged header from the open internet harmless.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=16)
def _networks(cidrs: tuple) -> tuple:
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs if cidr.strip())


def _address(value: str):
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":")[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def resolve(peer: str, forwarded_for: str | None, *, proxies=(), hops: int = 0) -> str:
    """The client address for a request from `peer` carrying `forwarded_for`."""
    if not forwarded_for or not (proxies or hops):
        return peer
    chain = [_address(part) for part in forwarded_for.split(",")]
    if hops:
        if len(chain) < hops or chain[-hops] is None:
            return peer
        return str(chain[-hops])
    networks = _networks(tuple(proxies))
    peer_address = _address(peer)
    if peer_address is None or not any(peer_address in network for network in networks):
        return peer  # not from our proxy: a header anyone could have written
    for address in reversed(chain):
        if address is None:
            return peer  # a malformed hop: stop believing the rest
        if not any(address in network for network in networks):
            return str(address)
    return peer


class ClientAddressMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        peer = request.META.get("REMOTE_ADDR", "")
        request.META["SESSAI_PEER_ADDR"] = peer
        request.META["REMOTE_ADDR"] = resolve(
            peer,
            request.META.get("HTTP_X_FORWARDED_FOR"),
            proxies=tuple(settings.TRUSTED_PROXIES),
            hops=settings.TRUSTED_PROXY_HOPS,
        )
        return self.get_response(request)
