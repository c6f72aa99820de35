"""Which address a request is counted under, with and without the proxy in front."""

from django.test import RequestFactory, override_settings

from csportal.clientip import client_ip

PROXY = "172.18.0.5"


def request(**meta):
    return RequestFactory().get("/", REMOTE_ADDR=PROXY, **meta)


@override_settings(PROXY_COUNT=0)
def test_without_a_proxy_the_socket_address_is_the_client_whatever_the_header_says():
    assert client_ip(request(HTTP_X_FORWARDED_FOR="203.0.113.5")) == PROXY


@override_settings(PROXY_COUNT=1)
def test_behind_one_proxy_the_entry_it_appended_is_the_client_not_what_the_client_wrote():
    forged_then_real = request(HTTP_X_FORWARDED_FOR="10.0.0.1, 203.0.113.5")

    assert client_ip(forged_then_real) == "203.0.113.5"


@override_settings(PROXY_COUNT=1)
def test_a_request_that_did_not_pass_through_the_proxy_is_known_by_its_socket_address():
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"


@override_settings(PROXY_COUNT=1)
def test_a_forwarded_entry_that_is_not_an_address_falls_back_to_the_socket_address():
    assert client_ip(request(HTTP_X_FORWARDED_FOR="unknown")) == PROXY
