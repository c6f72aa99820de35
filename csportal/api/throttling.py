"""DRF throttles that count per client as csportal.clientip sees it.

DRF's own get_ident() reads NUM_PROXIES, and without it keys by the whole X-Forwarded-For,
which a client sets at will when no proxy replaces it; the login lockout (axes) reads the
same address as these, so both hold behind the proxy and without one.
"""

from rest_framework import throttling

from ..clientip import client_ip


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    def get_ident(self, request):
        return client_ip(request)
