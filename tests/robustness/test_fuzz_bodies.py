"""A fuzz pass over request bodies: broken JSON (tests/robustness/fuzz_bodies.py) against every endpoint that
takes JSON (every one the OpenAPI document lists, and SvarUt's status search), and broken multipart against
SvarUt send. Always with a good token, so the body is what is tested.

Never a 5xx; every refusal in the family's own format (Helsenorge and operator ``{Code, Message}``, PTS
problem details, SvarUt Fiks ErrorMessage). Bounded (HELSEBRO_FUZZ_EXAMPLES per endpoint) and derandomized.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helsebro.app import create_app
from helsebro.testdata import loader
from tests.api.pts_support import new_object, privacy_body, safety_body
from tests.conftest import make_settings
from tests.robustness.auth import Credentials
from tests.robustness.families import (
    assert_fiks_error,
    assert_helsenorge_error,
    assert_problem,
    assert_pvk_error,
)
from tests.robustness.fuzz_bodies import broken_json, broken_multipart
from tests.support import SEED_TOOL, SEED_TOOL_2
from tests.support_svarut import (
    KONTO,
    letter_parts,
    multipart,
    new_uuid,
    nhn_letter,
    organisation_letter,
    pdf,
    person_letter,
    print_letter,
)

EXAMPLES = int(os.environ.get("HELSEBRO_FUZZ_EXAMPLES", "30"))
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))

CITIZEN = "12048645510"
OFF_ID = "91234567890"
PATH_VALUES = {"fnr": CITIZEN, "id": "1", "hpr": "565513636", "orgnr": "913748263", "veiledningstjeneste_id": "1"}

# A good body per endpoint where one is easy to write: the fuzz breaks it one way at a time. Others start from {}.
SAMPLES: dict[str, object] = {
    "/verktoy/system/verktoy/v2": {
        "VerktoyId": SEED_TOOL,
        "InnbyggerFnr": CITIZEN,
        "AvsenderOrgNummer": "913748263",
        "AvsenderNavn": "Poliklinikk",
        "FristDato": "2026-12-24",
        "Melding": "Hei",
    },
    "/verktoy/v1/Verktoy": {
        "VerktoyId": SEED_TOOL_2,
        "InnbyggerFnr": CITIZEN,
        "BehandlerHpr": "565513636",
        "FristDato": "2026-12-24",
        "Melding": "Hei",
    },
    "/digitaltaktiv/helsenorgeaktivsjekken/v1": {"fnrListe": [CITIZEN], "omraade": "Helsehjelp"},
    "/digitaltaktiv/v1/DigitaltAktivOmraade": {"fnr": CITIZEN, "omraade": 1},
    "/personvern/Personverninnstillinger/SettInnbyggersPersonvernInnstilling/v2": {
        "innbyggerFnr": CITIZEN,
        "definisjonGuid": "3fe2a80a-4200-42e2-817b-da8a6236708a",
        "definisjonNavn": "Samtykke til oppbevaring av biomateriale",
        "partKode": "NFS",
        "typePi": "samtykke",
        "aktiv": True,
    },
    "/personvern/Personverninnstillinger/SjekkInnbyggersPiStatus/v2": {
        "innbyggerFnr": CITIZEN,
        "definisjonGuid": "3fe2a80a-4200-42e2-817b-da8a6236708a",
        "partKode": "NFS",
    },
    "/personvern/Personverninnstillinger/HentInnbyggersPiForPart/v2": {"innbyggerFnr": CITIZEN, "partKode": "NFS"},
    "/operator/api/v1/innbyggere": {"fodselsdato": "1990-05-17", "fornavn": "Kari", "etternavn": "Testesen", "helsenorgeSamtykke": True},
    "/operator/api/v1/innbyggere/{fnr}": {"fornavn": "Line"},
    "/pts/v0.5/access-restrictions/patient-safety/_search": {"offId": OFF_ID},
    "/pts/v0.5/access-restrictions/patient-safety": safety_body(OFF_ID, new_object(), code="N", cause="Manual"),
    "/pts/v0.5/access-restrictions/patient-privacy/_search": {"offId": OFF_ID},
    "/pts/v0.5/access-restrictions/patient-privacy": privacy_body(OFF_ID),
    "/pts/v0.5/access-check": {"offId": OFF_ID, "hprNumber": "4128168", "confidentialObjectId": new_object()},
    "/svarut/api/v3/kontoer/{kontoId}/forsendelser/status/sok": {"id": [new_uuid()]},
}


def _json_operations() -> list[tuple[str, str]]:
    document = create_app(make_settings("sqlite:///" + os.devnull + ".never-opened")).openapi()
    found = [
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]
    # SvarUt's status search takes JSON too; KS's spec documents its body, helsebro's document does not.
    return [*found, ("POST", "/svarut/api/v3/kontoer/{kontoId}/forsendelser/status/sok")]


JSON_OPERATIONS = _json_operations()


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: KONTO if m.group(1) == "kontoId" else PATH_VALUES.get(m.group(1), "1"), path)


def sample_for(path: str) -> object:
    return SAMPLES.get(path, SAMPLES.get(path.replace("/pts/access-restrictions", "/pts/v0.5/access-restrictions"), {}))


def assert_in_family_format(path: str, response) -> None:
    assert response.status_code < 500, f"{response.status_code} {response.text[:500]}"
    if response.status_code < 400:
        return
    if path.startswith("/pts"):
        assert_problem(response, response.status_code)
    elif path.startswith("/svarut"):
        assert_fiks_error(response, response.status_code)
    elif path.startswith("/personvern"):
        assert_pvk_error(response, response.status_code)
    else:
        assert_helsenorge_error(response, response.status_code)


@pytest.fixture(scope="module", autouse=True)
def restored_afterwards(app, engine) -> Iterator[None]:
    yield
    _restore(app, engine)


def _restore(app, engine) -> None:
    loader.reset(engine)
    app.state.services.state["verktoy"].invalidate()


@pytest.fixture()
def default_data(app, engine) -> None:
    """A control starts from the default data: in random order a fuzz example (or another control) had sent
    the sample's Verktøy already, and the control's own send was refused as "Verktøy allerede sendt"."""
    _restore(app, engine)


@pytest.fixture(scope="module")
def credentials(client) -> Credentials:
    return Credentials(client)


def headers_for(credentials: Credentials, app, method: str, template: str) -> dict[str, str]:
    headers = {**credentials.headers_for(app, method, concrete(template)), "Content-Type": "application/json"}
    if template.startswith("/pts/access-restrictions"):
        headers["api-version"] = "0.4"  # the unprefixed PTS paths serve 0.3 and 0.4, named in a header
    return headers


SAMPLED = [(m, p) for m, p in JSON_OPERATIONS if sample_for(p)]


@pytest.mark.parametrize(("method", "template"), SAMPLED, ids=[f"{m} {p}" for m, p in SAMPLED])
@pytest.mark.usefixtures("default_data")
def test_control_each_sample_body_is_good(client, app, credentials, method, template):
    """The bodies the fuzz breaks are good ones, so each broken body is broken in one way only."""
    response = client.request(
        method, concrete(template), json=sample_for(template), headers=headers_for(credentials, app, method, template)
    )
    assert response.status_code in (200, 201), response.text


@pytest.mark.parametrize(("method", "template"), JSON_OPERATIONS, ids=[f"{m} {p}" for m, p in JSON_OPERATIONS])
def test_broken_json_is_refused_in_the_familys_format(client, app, credentials, method, template):
    path = concrete(template)

    @FUZZ
    @given(body=broken_json(sample_for(template)))
    def run(body: bytes) -> None:
        response = client.request(method, path, content=body, headers=headers_for(credentials, app, method, template))
        assert_in_family_format(template, response)

    run()


# A good letter per kind (file name, metadata): the fuzz breaks one thing in it.
LETTERS = {
    "person": ("vedtak.pdf", person_letter("vedtak.pdf")),
    "organisasjon": ("melding.pdf", organisation_letter("melding.pdf")),
    "nhn": ("epikrise.pdf", nhn_letter()),
    "print": ("brev.pdf", print_letter("brev.pdf")),
}


def svarut_headers(credentials: Credentials, app, path: str, content_type: str) -> dict[str, str]:
    return {**credentials.headers_for(app, "POST", path), "Content-Type": content_type}


@pytest.mark.parametrize("kind", list(LETTERS))
@pytest.mark.usefixtures("default_data")
def test_control_the_good_letter_is_accepted(client, app, credentials, kind):
    path = f"/svarut/api/v3/kontoer/{KONTO}/forsendelser/{kind}"
    filnavn, metadata = LETTERS[kind]
    content_type, body = multipart(letter_parts(metadata, [(filnavn, pdf("fuzz"))]))
    response = client.post(path, content=body, headers=svarut_headers(credentials, app, path, content_type))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("kind", list(LETTERS))
def test_broken_multipart_is_refused_in_the_fiks_format(client, app, credentials, kind):
    path = f"/svarut/api/v3/kontoer/{KONTO}/forsendelser/{kind}"
    filnavn, metadata = LETTERS[kind]

    @FUZZ
    @given(sent=broken_multipart(metadata, filnavn), idempotency=st.sampled_from([None, "fuzz-1", "x" * 300]))
    def run(sent: tuple[str, bytes], idempotency: str | None) -> None:
        content_type, body = sent
        headers = svarut_headers(credentials, app, path, content_type)
        if idempotency:
            headers["Idempotency-Key"] = idempotency
        response = client.post(path, content=body, headers=headers)
        assert response.status_code != 200, f"a broken letter was accepted: {body[:300]!r}"
        assert_fiks_error(response, response.status_code)
        assert 400 <= response.status_code < 500

    run()
