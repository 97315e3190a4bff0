"""The environment file over real state, on SQLite and PostgreSQL: every kind reaches its registry, a reset
applies it again, applying twice changes nothing, a refused entry leaves nothing of the file behind, the
export round-trips, and a ``jwks_uri`` is fetched when the file is loaded."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from helsebro import db
from helsebro.auth.clients import get_client
from helsebro.auth.passwords import verify_secret
from helsebro.personvern import service as pvk
from helsebro.registries import service as registry
from helsebro.svarut import accounts, receiving_systems
from helsebro.svarut.tables import svarut_integrasjon
from helsebro.testdata import environment, loader
from helsebro.testdata.environment_file import EnvironmentFileError
from helsebro.testdata.export import export
from helsebro.verktoy.tables import veiledningstjeneste, verktoy
from tests import support_environment as vendor
from tests.support_environment import vendor_environment


@pytest.fixture()
def configured(engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[vendor.VendorEnvironment]:
    """The vendor's file named by HELSEBRO_ENVIRONMENT, as ``serve --environment`` leaves it; afterwards the
    default data alone again, for the other tests of the session."""
    env = vendor_environment(tmp_path)
    monkeypatch.setenv("HELSEBRO_ENVIRONMENT", str(env.path))
    yield env
    monkeypatch.delenv("HELSEBRO_ENVIRONMENT", raising=False)
    loader.reset(engine)


def snapshot(engine: sa.Engine) -> dict:
    with db.read(engine) as conn:
        return export(conn)


def test_every_kind_reaches_its_registry(engine: sa.Engine, configured: vendor.VendorEnvironment) -> None:
    counts = loader.reset(engine)
    assert counts["environment_clients"] == 3 and counts["clients"] == 7  # on top of the default data
    with db.read(engine) as conn:
        epj = get_client(conn, vendor.EPJ_CLIENT)
        assert epj is not None and epj.pvk_parts == (vendor.PVK_PART,) and epj.key_set().get_by_kid("min-epj-1")
        secret_client = get_client(conn, vendor.SECRET_CLIENT)
        assert secret_client is not None and secret_client.secret_hash != vendor.SECRET
        assert verify_secret(vendor.SECRET, secret_client.secret_hash)
        tool = conn.execute(sa.select(verktoy).where(verktoy.c.id == vendor.TOOL)).one()
        # Unset metadata: the owner's organisation, a formal code of the catalog, a URL of its own.
        assert (tool.eier_client_id, tool.organisasjonsnummer, tool.organisasjonsnavn) == (
            vendor.EPJ_CLIENT,
            vendor.ORGNR,
            "Min Virksomhet AS",
        )
        assert tool.url.endswith(vendor.TOOL)
        guidance = conn.execute(sa.select(veiledningstjeneste).where(veiledningstjeneste.c.id == vendor.GUIDANCE_SERVICE)).one()
        assert (guidance.navn, guidance.orgnr, guidance.telefon, guidance.url, list(guidance.apningstider)) == (
            "Brukerstøtte for Min EPJ",
            vendor.ORGNR,
            "+47 22 00 00 09",
            None,
            [1, 2],
        )
        definition = pvk.get_definition(conn, vendor.PVK_DEFINITION)
        assert definition is not None and (definition.part_kode, definition.type_pi) == (vendor.PVK_PART, "samtykke")
        account = accounts.get_account(conn, vendor.KONTO)
        assert account == accounts.Account(vendor.KONTO, "Min kommune", vendor.ORGNR, vendor.HER_ID)
        stored = conn.execute(
            sa.select(svarut_integrasjon.c.passord_hash).where(svarut_integrasjon.c.integrasjon_id == vendor.INTEGRASJON)
        ).scalar()
        assert verify_secret(vendor.PASSORD, stored)
        assert vendor.FORSENDELSESTYPE in receiving_systems.list_types(conn)
        (system,) = [s for s in receiving_systems.all_systems(conn, vendor.ORGNR) if s.forsendelseType == vendor.FORSENDELSESTYPE]
        assert (system.navn, system.niva) == ("Mitt fagsystem", 3)
        assert registry.get_citizen(conn, vendor.CITIZEN).fornavn == "Kari"
        assert registry.get_health_person(conn, vendor.HPR).etternavn == "Legesen"
        assert registry.get_organisation(conn, vendor.ORGNR).her_id == vendor.HER_ID
    access = accounts.authorize(engine, vendor.KONTO, vendor.INTEGRASJON, vendor.PASSORD, vendor.ORGNR)
    assert access.integrasjon_id == vendor.INTEGRASJON


def test_applying_twice_changes_nothing(engine: sa.Engine, configured: vendor.VendorEnvironment) -> None:
    loader.reset(engine)
    before = snapshot(engine)
    loaded = environment.load(configured.path)
    environment.apply_to(engine, loaded)
    environment.apply_to(engine, loaded)
    assert snapshot(engine) == before  # hashes, tool dates and grants included


def test_a_reset_applies_the_file_again(engine: sa.Engine, configured: vendor.VendorEnvironment, monkeypatch: pytest.MonkeyPatch) -> None:
    loader.reset(engine)
    with db.write(engine) as conn:
        conn.execute(sa.delete(verktoy).where(verktoy.c.id == vendor.TOOL))
        conn.execute(sa.delete(veiledningstjeneste).where(veiledningstjeneste.c.id == vendor.GUIDANCE_SERVICE))
    loader.reset(engine)
    with db.read(engine) as conn:
        assert conn.execute(sa.select(verktoy.c.id).where(verktoy.c.id == vendor.TOOL)).first() is not None
        assert (
            conn.execute(sa.select(veiledningstjeneste.c.id).where(veiledningstjeneste.c.id == vendor.GUIDANCE_SERVICE)).first() is not None
        )
    monkeypatch.delenv("HELSEBRO_ENVIRONMENT")
    loader.reset(engine)
    with db.read(engine) as conn:
        assert get_client(conn, vendor.EPJ_CLIENT) is None  # the file's data came from the file alone


def test_a_refused_entry_leaves_nothing_of_the_file(engine: sa.Engine, configured: vendor.VendorEnvironment) -> None:
    loader.reset(engine)
    before = snapshot(engine)
    data = json.loads(json.dumps(configured.data))
    data["organisations"][0] = {"orgnr": "926385143", "navn": "Mestringsverket AS (omdøpt)"}  # in the default data
    data["health_personnel"][0]["fnr"] = vendor.CITIZEN
    data["health_personnel"].append(
        {"hpr": "9144901", "fnr": vendor.CITIZEN, "navn": "Annen Lege"}
    )  # the same fnr: refused by the registry
    path = configured.write(data, configured.path.with_name("refused.yaml"))
    with pytest.raises(EnvironmentFileError) as refused:
        environment.apply_to(engine, environment.load(path))
    assert refused.value.problems == [f"{path}: health_personnel[1] (9144901): Fødselsnummeret tilhører allerede annet helsepersonell"]
    assert snapshot(engine) == before  # not even the entries before it (organisation renamed, clients, tools)
    configured.write(data, configured.path)
    with pytest.raises(EnvironmentFileError):
        loader.reset(engine)
    assert snapshot(engine) == before  # a reset with a refused file keeps the data as it was


def test_the_export_round_trips(
    engine: sa.Engine, configured: vendor.VendorEnvironment, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    loader.reset(engine)
    exported = snapshot(engine)
    assert {c["client_id"] for c in exported["clients"]} >= {vendor.EPJ_CLIENT, vendor.SAK_CLIENT}
    assert all("secret" not in c for c in exported["clients"])  # only hashes leave the database
    guidance = {g["id"]: g for g in exported["guidance_services"]}
    assert guidance[vendor.GUIDANCE_SERVICE]["apningstider"] == [1, 2] and len(guidance) == 4  # the default data's three too
    with db.write(engine) as conn:  # an operator's change since the reset is in the next export, and comes back
        conn.execute(
            sa.update(veiledningstjeneste)
            .where(veiledningstjeneste.c.id == vendor.GUIDANCE_SERVICE)
            .values(url="https://hjelp.min-epj.example.no/")
        )
    exported = snapshot(engine)
    path = tmp_path / "exported.json"
    path.write_text(json.dumps(exported, ensure_ascii=False))
    monkeypatch.setenv("HELSEBRO_ENVIRONMENT", str(path))
    loader.reset(engine)  # the default data, then the export on top
    assert snapshot(engine) == exported
    assert (
        next(g for g in exported["guidance_services"] if g["id"] == vendor.GUIDANCE_SERVICE)["url"] == "https://hjelp.min-epj.example.no/"
    )


def test_a_guidance_service_with_an_unknown_opening_hours_code_is_named(engine: sa.Engine, configured: vendor.VendorEnvironment) -> None:
    loader.reset(engine)
    before = snapshot(engine)
    data = json.loads(json.dumps(configured.data))
    data["guidance_services"][0]["apningstider"] = [1, 999]
    path = configured.write(data, configured.path.with_name("refused.yaml"))
    with pytest.raises(EnvironmentFileError) as refused:
        environment.apply_to(engine, environment.load(path))
    (problem,) = refused.value.problems
    assert problem.startswith(f"{path}: guidance_services[0] ({vendor.GUIDANCE_SERVICE}): apningstider: unknown code(s) 999 (known: 1, ")
    assert snapshot(engine) == before


class _JwksHandler(http.server.BaseHTTPRequestHandler):
    body = b""
    calls = 0

    def do_GET(self) -> None:
        type(self).calls += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args) -> None:
        pass


def test_a_jwks_uri_is_fetched_when_the_file_is_loaded(engine: sa.Engine, configured: vendor.VendorEnvironment) -> None:
    _JwksHandler.calls = 0
    _JwksHandler.body = json.dumps({"keys": [configured.sak_key.as_dict(private=False)]}).encode()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _JwksHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        data = json.loads(json.dumps(configured.data))
        del data["clients"][1]["jwks"]
        data["clients"][1]["jwks_uri"] = f"http://127.0.0.1:{server.server_address[1]}/jwks"
        loaded = environment.load(configured.write(data))
        assert _JwksHandler.calls == 1
        environment.apply_to(engine, loaded)
        environment.apply_to(engine, loaded)
        assert _JwksHandler.calls == 1  # fetched once, when loaded
        with db.read(engine) as conn:
            assert get_client(conn, vendor.SAK_CLIENT).key_set().get_by_kid("min-sak-1")
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(EnvironmentFileError) as unreachable:
        environment.load(configured.path)
    assert unreachable.value.problems[0].startswith(f"{configured.path}: clients[1] ({vendor.SAK_CLIENT}): jwks_uri: cannot use")


def test_a_client_registers_its_business_certificate(engine: sa.Engine, configured: vendor.VendorEnvironment, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    from helsebro.auth import certificates, local_ca

    ca = local_ca.load_or_create(tmp_path / "ca-data")
    _key, certificate = ca.issue_business_certificate(vendor.ORGNR, "MIN VIRKSOMHET AS - TEST")
    pem = certificate.public_bytes(Encoding.PEM).decode()
    data = json.loads(json.dumps(configured.data))
    data["clients"][1]["certificates"] = [pem]
    loaded = environment.load(configured.write(data))
    environment.apply_to(engine, loaded)
    environment.apply_to(engine, loaded)  # the same certificate once, however often applied
    with db.read(engine) as conn:
        client = get_client(conn, vendor.SAK_CLIENT)
    assert [c.orgnr for c in certificates.registered(client)] == [vendor.ORGNR]
    assert len(client.jwks["keys"]) == 2  # its own key and the certificate's
    data["clients"][0]["certificates"] = [pem]
    data["clients"][0]["orgnr"] = "910000020"  # another organisation than the certificate names
    with pytest.raises(EnvironmentFileError) as refused:
        environment.apply_to(engine, environment.load(configured.write(data)))
    assert refused.value.problems[0].startswith(
        f"{configured.path}: clients[0] ({vendor.EPJ_CLIENT}): certificates: certificate 1: the certificate names organisation"
    )


def test_a_client_registers_for_the_professional_login(engine: sa.Engine, configured: vendor.VendorEnvironment) -> None:
    data = json.loads(json.dumps(configured.data))
    login_scopes = ["openid", "profile", "offline_access", "helseid://scopes/identity/pid", "helseid://scopes/identity/hpr_number"]
    data["clients"][0].update(
        scopes=[*data["clients"][0]["scopes"], *login_scopes],
        redirect_uris=["https://epj.example/signin-oidc"],
        post_logout_redirect_uris=["https://epj.example/signout-callback-oidc"],
        require_par=True,
    )
    environment.apply_to(engine, environment.load(configured.write(data)))
    with db.read(engine) as conn:
        client = get_client(conn, vendor.EPJ_CLIENT)
        exported = next(c for c in export(conn)["clients"] if c["client_id"] == vendor.EPJ_CLIENT)
    assert client is not None and client.require_par
    assert client.redirect_uris == ("https://epj.example/signin-oidc",)
    assert client.post_logout_redirect_uris == ("https://epj.example/signout-callback-oidc",)
    assert all(client.grants(s) for s in login_scopes) and client.grants("helseid://scopes/hpr/hpr_number")
    assert exported["require_par"] is True and exported["post_logout_redirect_uris"] == ["https://epj.example/signout-callback-oidc"]
    data["clients"][0]["scopes"] = ["helseid://scopes/identity/ukjent"]
    with pytest.raises(EnvironmentFileError) as refused:
        environment.load(configured.write(data))
    assert "unknown scope(s): helseid://scopes/identity/ukjent" in refused.value.problems[0]


def test_a_client_registers_its_organisations(engine: sa.Engine, configured: vendor.VendorEnvironment) -> None:
    data = json.loads(json.dumps(configured.data))
    data["clients"][0]["child_organisations"] = ["920000002", "920000010"]
    data["clients"][2]["multi_tenant"] = True
    loaded = environment.load(configured.write(data))
    environment.apply_to(engine, loaded)
    environment.apply_to(engine, loaded)
    with db.read(engine) as conn:
        single, multi = get_client(conn, vendor.EPJ_CLIENT), get_client(conn, vendor.SECRET_CLIENT)
        exported = {c["client_id"]: c for c in export(conn)["clients"]}
    assert single.child_organisations == ("920000002", "920000010") and not single.multi_tenant
    assert multi.multi_tenant and multi.child_organisations == ()
    assert exported[vendor.EPJ_CLIENT]["child_organisations"] == ["920000002", "920000010"]
    assert exported[vendor.SECRET_CLIENT]["multi_tenant"] is True and "multi_tenant" not in exported[vendor.EPJ_CLIENT]


@pytest.mark.parametrize(
    ("index", "change", "message"),
    [
        (0, {"child_organisations": ["920000003"]}, "child_organisations[0]: '920000003' is not a valid organisasjonsnummer"),
        (0, {"child_organisations": ["920000002", "920000002"]}, "child_organisations: an organisation is named twice"),
        (0, {"child_organisations": [vendor.ORGNR]}, "is the client's own organisation"),
        (0, {"child_organisations": ["920000002"], "multi_tenant": True}, "child_organisations is for a single-tenant client"),
        (1, {"multi_tenant": True}, "a Maskinporten client acts for its own organisation"),
        (0, {"child_organisations": ["920000002"] * 101}, "at most 100 items"),
    ],
)
def test_bad_organisation_settings_are_refused(configured: vendor.VendorEnvironment, index: int, change: dict, message: str) -> None:
    data = json.loads(json.dumps(configured.data))
    data["clients"][index].update(change)
    with pytest.raises(EnvironmentFileError) as refused:
        environment.load(configured.write(data))
    assert message in refused.value.problems[0], refused.value.problems
