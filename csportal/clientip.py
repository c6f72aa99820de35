"""The address of the client a request came from: one answer for lockouts, throttles and
anything else that counts per client."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address, read from X-Forwarded-For only as far as PROXY_COUNT trusts it.

    Each trusted proxy appends the address it received the request from, so the entry
    PROXY_COUNT places from the end was written by the outermost one; anything left of it
    came from the client and may be forged. A request without the header did not pass through
    the proxy (the container's own health check), so its socket address is the client.
    """
    remote_addr = request.META.get("REMOTE_ADDR")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not settings.PROXY_COUNT or not forwarded:
        return remote_addr
    addresses = [address.strip() for address in forwarded.split(",")]
    candidate = addresses[-min(settings.PROXY_COUNT, len(addresses))]
    try:
        # Stored in inet columns (axes): a malformed entry must not reach the database.
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_addr
