"""The one token-endpoint form parser (RFC 6749 section 3.2) and grant dispatch, without a server."""

from __future__ import annotations

import pytest

from helsebro.auth.token_endpoint import MAX_PARAMETERS, TokenRequest, dispatch, parse_form
from helsebro.errors import OAuthError

FORM = "application/x-www-form-urlencoded"


def refusal(content_type: str | None, body: bytes) -> OAuthError:
    with pytest.raises(OAuthError) as caught:
        parse_form(content_type, body)
    assert caught.value.error == "invalid_request"
    return caught.value


def test_a_form_is_one_value_per_name_decoded():
    form = parse_form(FORM + "; charset=UTF-8", b"grant_type=client_credentials&scope=nhn%3Apts%2Fapi+openid&navn=%C3%98yvind")
    assert form == {"grant_type": "client_credentials", "scope": "nhn:pts/api openid", "navn": "Øyvind"}


def test_a_parameter_without_a_value_is_treated_as_omitted():
    assert parse_form(FORM, b"grant_type=client_credentials&scope=&client_id") == {"grant_type": "client_credentials"}


def test_a_repeated_parameter_is_refused_and_named():
    assert "parameter scope is repeated" in refusal(FORM, b"scope=a&grant_type=x&scope=b").description


def test_a_repeated_empty_parameter_is_refused_too():
    assert "scope" in refusal(FORM, b"scope=&scope=").description


def test_bytes_that_are_not_utf8_are_refused_not_replaced():
    assert "not UTF-8" in refusal(FORM, b"grant_type=client_credentials&name=\xff\xfe").description


def test_a_percent_escape_that_decodes_to_bad_utf8_is_refused():
    assert "not UTF-8" in refusal(FORM, b"grant_type=client_credentials&name=%C3%28").description


def test_a_broken_percent_escape_is_refused():
    assert "percent escape" in refusal(FORM, b"grant_type=client%2credentials%zz").description


@pytest.mark.parametrize("content_type", [None, "application/json", "multipart/form-data; boundary=x", "text/plain"])
def test_another_media_type_is_refused(content_type):
    assert FORM in refusal(content_type, b"grant_type=client_credentials").description


def test_too_many_parameters_are_refused():
    body = "&".join(f"p{i}=v" for i in range(MAX_PARAMETERS + 1)).encode()
    assert str(MAX_PARAMETERS) in refusal(FORM, body).description


def test_dispatch_runs_the_named_grant_and_names_the_supported_ones_otherwise():
    grants = {"client_credentials": lambda ctx, request: {"ran": request.form["grant_type"]}}

    def request(**form: str) -> TokenRequest:
        return TokenRequest(form=form, authorization=None, dpop_proof=None, urls=[], now=0)

    assert dispatch(grants, None, request(grant_type="client_credentials")) == {"ran": "client_credentials"}  # type: ignore[arg-type]
    with pytest.raises(OAuthError) as caught:
        dispatch(grants, None, request(grant_type="password"))  # type: ignore[arg-type]
    assert caught.value.error == "unsupported_grant_type"
    assert "supported: client_credentials" in caught.value.description
    with pytest.raises(OAuthError) as caught:
        dispatch(grants, None, request())  # type: ignore[arg-type]
    assert (caught.value.error, caught.value.description) == ("invalid_request", "grant_type is required")
