"""One rule per kind of test data: API clients, tools, PVK definitions, SvarUt accounts and integrations.

The environment file (``environment``) and the operator API and CLI (``operator.kinds_service``) change these
kinds through the functions here and nowhere else, so both meet the same rules with the same messages. An
entry is the environment file's model of its kind (``environment_file``), checked before it reaches here.

``save_*`` is the file's create-or-update. ``create_*``, ``update_*`` and ``delete_*`` are the operator's:
409 (``AlreadyExists``) for an id that is taken, 404 (``NotFound``) for one that is not there, and 409
(``InUse``) naming what depends on an entry that cannot go. Everything runs in the caller's transaction and
raises before it writes; ``ValueError`` is a value the family's own rules refuse.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

from helsebro.auth import certificates
from helsebro.auth.clients import ApiClient, get_client, save_client
from helsebro.auth.passwords import hash_secret, verify_secret
from helsebro.auth.tables import api_clients
from helsebro.personvern.consent import HELSENORGE_CONSENT
from helsebro.personvern.definitions import save_definition
from helsebro.personvern.tables import pvk_definisjon, pvk_innstilling
from helsebro.registries import admin
from helsebro.registries import service as registry
from helsebro.svarut import receiving_systems
from helsebro.svarut.accounts import Account, get_account, save_account, save_integration
from helsebro.svarut.tables import svarut_forsendelse, svarut_integrasjon, svarut_konto, svarut_konto_integrasjon
from helsebro.testdata import environment_file as model
from helsebro.verktoy import store
from helsebro.verktoy.tables import kodeverk, veiledningstjeneste, verktoy, verktoy_oppgave

_SYSTEM_NAMESPACE = uuid.UUID("0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f")  # receiving systems the file names without id
_SHOWN = 5  # dependants named in a refusal


def _same_id(kind: str, path_id: str, body_id: str) -> None:
    if path_id.lower() != body_id.lower():
        raise admin.InvalidInput(f"{kind} i innholdet ({body_id}) er ikke den i adressen ({path_id})")


def uuid_key(value: str, what: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise admin.NotFound(f"Fant ingen {what} {value} (ikke en UUID)") from None


def _listed(values: list[str]) -> str:
    return ", ".join(values[:_SHOWN]) + (f" (og {len(values) - _SHOWN} til)" if len(values) > _SHOWN else "")


_E = TypeVar("_E")
_R = TypeVar("_R")


@dataclass(frozen=True)
class _Kind(Generic[_E, _R]):
    """The operator's create and update of one kind, the same refusals in the same order for every kind:
    create is 409 for an id in use; update is 400 when the body's id is not the path's, then 404."""

    noun: str  # how a refusal names an entry: "Klienten"
    id_field: str  # the entry's id property
    taken: Callable[[sa.Connection, str], bool]  # whether the body's id is in use (create)
    require: Callable[[sa.Connection, str], object]  # NotFound unless the path's id is there (update)
    save: Callable[[sa.Connection, _E], _R]

    def create(self, conn: sa.Connection, entry: _E) -> _R:
        entry_id = getattr(entry, self.id_field)
        if self.taken(conn, entry_id):
            raise admin.AlreadyExists(f"{self.noun} {entry_id} finnes allerede")
        return self.save(conn, entry)

    def update(self, conn: sa.Connection, path_id: str, entry: _E) -> _R:
        _same_id(self.id_field, path_id, getattr(entry, self.id_field))
        self.require(conn, path_id)
        return self.save(conn, entry)


# -- API clients ---------------------------------------------------------------------------------------------


def save_client_entry(conn: sa.Connection, entry: model.Client) -> None:
    """Create or replace; a secret that still matches keeps its hash (applying twice changes nothing)."""
    existing = get_client(conn, entry.client_id)
    secret_hash = entry.secret_hash
    if entry.secret is not None:
        stored = existing.secret_hash if existing else None
        secret_hash = stored if stored and verify_secret(entry.secret, stored) else hash_secret(entry.secret)
    client = ApiClient(
        client_id=entry.client_id,
        name=entry.name or entry.client_id,
        orgnr=entry.orgnr,
        scopes=tuple(entry.scopes),
        jwks=entry.jwks or {"keys": []},
        secret_hash=secret_hash,
        pvk_parts=tuple(entry.pvk_parts),
        description=entry.description,
        redirect_uris=tuple(entry.redirect_uris),
        post_logout_redirect_uris=tuple(entry.post_logout_redirect_uris),
        require_par=entry.require_par,
        multi_tenant=entry.multi_tenant,
        child_organisations=tuple(entry.child_organisations),
    )
    if entry.certificates:  # business certificates (PEM) beside the keys, checked as `helsebro certs register` checks them
        try:
            client = certificates.with_certificates(client, entry.certificates)
        except certificates.CertificateError as exc:
            raise ValueError(f"certificates: {exc}") from None
    save_client(conn, client)


def require_client(conn: sa.Connection, client_id: str) -> ApiClient:
    client = get_client(conn, client_id)
    if client is None:
        raise admin.NotFound(f"Fant ingen klient {client_id}")
    return client


_CLIENTS = _Kind("Klienten", "client_id", lambda conn, key: get_client(conn, key) is not None, require_client, save_client_entry)
create_client, update_client = _CLIENTS.create, _CLIENTS.update


def delete_client(conn: sa.Connection, client_id: str) -> None:
    """Refused while the client owns tools (HelseID keeps a client a catalog entry names); its keys and
    certificates go with it."""
    require_client(conn, client_id)
    owned = list(conn.execute(sa.select(verktoy.c.id).where(verktoy.c.eier_client_id == client_id).order_by(verktoy.c.id)).scalars())
    if owned:
        raise admin.InUse(
            f"Klienten {client_id} eier verktøy ({_listed([str(t) for t in owned])}); slett dem eller gi dem en annen eier først"
        )
    conn.execute(sa.delete(api_clients).where(api_clients.c.client_id == client_id))


# -- tools -------------------------------------------------------------------------------------------------


def save_tool_entry(conn: sa.Connection, entry: model.Tool) -> str:
    """Create or replace; unset metadata gets defaults, and a tool already there keeps its dates (so re-applying
    the same file does not change the catalog's change feed)."""
    owner = get_client(conn, entry.eier) if entry.eier is not None else None
    if entry.eier is not None and owner is None:
        raise ValueError(f"eier: no client {entry.eier!r} (give it under clients, or use one of the default data)")
    orgnr = entry.Organisasjonsnummer or (owner.orgnr if owner else None)
    if orgnr is None:
        raise ValueError("Organisasjonsnummer: give it, or an eier whose organisation it is")
    tool_id = entry.VerktoyId.lower()
    taken = conn.execute(sa.select(verktoy.c.id).where(verktoy.c.navn == entry.Navn, verktoy.c.id != tool_id)).scalar()
    if taken is not None:
        raise admin.AlreadyExists(f"Navn: verktøyet {taken} heter {entry.Navn!r} allerede (navnet er unikt i katalogen)")
    stored = conn.execute(
        sa.select(verktoy.c.opprettet_dato, verktoy.c.endret_dato, verktoy.c.grafisk_element_id).where(verktoy.c.id == tool_id)
    ).first()
    organisation = registry.get_organisation(conn, orgnr)
    extra = dict(entry.model_extra or {})
    extra.pop("Eier", None)
    defaults: dict[str, Any] = {
        "VerktoyFormalTypeId": _first_code(conn, "formal"),
        "Organisasjonsnavn": organisation.navn if organisation else (owner.name if owner else orgnr),
    }
    if stored is not None:  # unchanged dates keep re-applying the same file from changing the catalog
        defaults |= {"OpprettetDato": stored.opprettet_dato.isoformat(), "EndretDato": stored.endret_dato.isoformat()}
        defaults["GrafiskElementId"] = stored.grafisk_element_id  # an uploaded image stays unless the entry names another
    image = extra.get("GrafiskElementId", defaults.get("GrafiskElementId"))
    if image is not None and not _image_exists(conn, image):
        raise ValueError(f"GrafiskElementId: no image {image!r}")
    return store.save_tool(
        conn,
        {
            **defaults,
            **extra,
            "VerktoyId": tool_id,
            "Navn": entry.Navn,
            "Url": entry.Url or f"https://verktoy.example.no/{tool_id}",
            "Organisasjonsnummer": orgnr,
            "Eier": entry.eier,
        },
    )


def _image_exists(conn: sa.Connection, image_id: Any) -> bool:
    if isinstance(image_id, bool) or not isinstance(image_id, int):
        return False
    return conn.execute(sa.select(store.grafisk_element.c.id).where(store.grafisk_element.c.id == image_id)).first() is not None


def _first_code(conn: sa.Connection, table: str) -> int:
    code = conn.execute(sa.select(sa.func.min(kodeverk.c.id)).where(kodeverk.c.kodeverk == table)).scalar()
    if code is None:
        raise ValueError(f"the catalog has no {table} codes to default to: give VerktoyFormalTypeId")
    return code


def require_tool(conn: sa.Connection, tool_id: str) -> sa.Row:
    row = conn.execute(sa.select(verktoy).where(verktoy.c.id == tool_key(tool_id))).first()
    if row is None:
        raise admin.NotFound(f"Fant ikke verktøyet {tool_id}")
    return row


def tool_key(tool_id: str) -> str:
    return uuid_key(tool_id, "verktøy")


def _tool_taken(conn: sa.Connection, tool_id: str) -> bool:
    return conn.execute(sa.select(verktoy.c.id).where(verktoy.c.id == tool_id.lower())).first() is not None


_TOOLS = _Kind("Verktøyet", "VerktoyId", _tool_taken, require_tool, save_tool_entry)
create_tool, update_tool = _TOOLS.create, _TOOLS.update


def delete_tool(conn: sa.Connection, tool_id: str) -> None:
    """Refused while citizens have tasks of the tool (they are on their Helsenorge page); its image goes with
    it unless another tool shows the same one."""
    row = require_tool(conn, tool_id)
    tasks = conn.execute(sa.select(sa.func.count()).select_from(verktoy_oppgave).where(verktoy_oppgave.c.verktoy_id == row.id)).scalar_one()
    if tasks:
        raise admin.InUse(f"Verktøyet {row.id} er sendt til innbyggere ({tasks} oppgaver); det kan ikke slettes")
    store.bump_version(conn)
    conn.execute(sa.delete(verktoy).where(verktoy.c.id == row.id))
    _drop_unused_image(conn, row.grafisk_element_id)


# -- a tool's image ------------------------------------------------------------------------------------------

MAX_IMAGE_BYTES = 512 * 1024
IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpeg", "image/svg+xml": "svg"}
_SVG_SCRIPT = re.compile(r"<script|javascript:|<foreignobject|\son[a-z]+\s*=")


def check_image(content_type: str, data: bytes) -> str:
    """The image's content type when the bytes are what it says and within the size; ValueError says why not."""
    kind = IMAGE_TYPES.get(content_type.split(";")[0].strip().lower())
    if kind is None:
        raise ValueError(f"Content-Type: must be one of {', '.join(IMAGE_TYPES)}, not {content_type[:60]!r}")
    if not data:
        raise ValueError("the image is empty")
    if len(data) > MAX_IMAGE_BYTES:
        raise ValueError(f"the image is larger than {MAX_IMAGE_BYTES // 1024} KiB")
    if kind == "png" and not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("Content-Type: image/png, but the bytes are not a PNG image")
    if kind == "jpeg" and not data.startswith(b"\xff\xd8\xff"):
        raise ValueError("Content-Type: image/jpeg, but the bytes are not a JPEG image")
    if kind == "svg":
        _check_svg(data)
    return next(t for t, k in IMAGE_TYPES.items() if k == kind)


def _check_svg(data: bytes) -> None:
    try:
        text = data.decode("utf-8").lower()
    except UnicodeDecodeError:
        raise ValueError("Content-Type: image/svg+xml, but the bytes are not UTF-8 text") from None
    if "<svg" not in text[:2000]:
        raise ValueError("Content-Type: image/svg+xml, but the text is not an SVG image")
    # The catalog serves the image as it is, so an SVG must not run code where a browser shows it.
    if _SVG_SCRIPT.search(text):
        raise ValueError("the SVG image holds script (script elements, event handlers or javascript: links are refused)")


def set_tool_image(conn: sa.Connection, tool_id: str, content_type: str, data: bytes) -> int:
    """Give the tool this image (replacing its own, a new one when others show the same); its id."""
    row = require_tool(conn, tool_id)
    content_type = check_image(content_type, data)
    image_id = row.grafisk_element_id
    if image_id is None or _image_users(conn, image_id) > 1:
        image_id = (conn.execute(sa.select(sa.func.max(store.grafisk_element.c.id))).scalar() or 0) + 1
    type_id = _first_code(conn, "grafisk_element_type")
    store.save_image(conn, image_id, type_id, content_type, data)
    conn.execute(sa.update(verktoy).where(verktoy.c.id == row.id).values(grafisk_element_id=image_id))
    return image_id


def get_tool_image(conn: sa.Connection, tool_id: str) -> sa.Row:
    row = require_tool(conn, tool_id)
    image = None
    if row.grafisk_element_id is not None:
        image = conn.execute(sa.select(store.grafisk_element).where(store.grafisk_element.c.id == row.grafisk_element_id)).first()
    if image is None:
        raise admin.NotFound(f"Verktøyet {row.id} har ikke noe bilde")
    return image


def delete_tool_image(conn: sa.Connection, tool_id: str) -> None:
    row = require_tool(conn, tool_id)
    if row.grafisk_element_id is None:
        raise admin.NotFound(f"Verktøyet {row.id} har ikke noe bilde")
    store.bump_version(conn)
    conn.execute(sa.update(verktoy).where(verktoy.c.id == row.id).values(grafisk_element_id=None))
    _drop_unused_image(conn, row.grafisk_element_id)


def _image_users(conn: sa.Connection, image_id: int) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(verktoy).where(verktoy.c.grafisk_element_id == image_id)).scalar_one()


def _drop_unused_image(conn: sa.Connection, image_id: int | None) -> None:
    if image_id is not None and not _image_users(conn, image_id):
        conn.execute(sa.delete(store.grafisk_element).where(store.grafisk_element.c.id == image_id))


# -- guidance services ------------------------------------------------------------------------------------


def save_guidance_service_entry(conn: sa.Connection, entry: model.GuidanceService) -> None:
    """Create or replace; opening hours are codes of the catalog's ``apningstid`` table, each kept once."""
    known = set(conn.execute(sa.select(kodeverk.c.id).where(kodeverk.c.kodeverk == "apningstid")).scalars())
    unknown = [str(code) for code in entry.apningstider if code not in known]
    if unknown:
        raise ValueError(f"apningstider: unknown code(s) {', '.join(unknown)} (known: {', '.join(str(c) for c in sorted(known))})")
    values = {
        "navn": entry.navn,
        "orgnr": entry.orgnr,
        "telefon": entry.telefon,
        "url": entry.url,
        "apningstider": list(dict.fromkeys(entry.apningstider)),
    }
    key = veiledningstjeneste.c.id == entry.id
    if not conn.execute(sa.update(veiledningstjeneste).where(key).values(**values)).rowcount:
        conn.execute(sa.insert(veiledningstjeneste).values(id=entry.id, **values))


def guidance_service_key(service_id: str) -> str:
    return uuid_key(service_id, "veiledningstjeneste")


def guidance_service_entries(conn: sa.Connection, service_id: str | None = None) -> list[dict[str, Any]]:
    query = sa.select(veiledningstjeneste).order_by(veiledningstjeneste.c.navn, veiledningstjeneste.c.id)
    if service_id is not None:
        query = query.where(veiledningstjeneste.c.id == guidance_service_key(service_id))
    return [
        {"id": str(r.id), "navn": r.navn, "orgnr": r.orgnr, "telefon": r.telefon, "url": r.url, "apningstider": list(r.apningstider or [])}
        for r in conn.execute(query)
    ]


def require_guidance_service(conn: sa.Connection, service_id: str) -> None:
    if not guidance_service_entries(conn, service_id):
        raise admin.NotFound(f"Fant ingen veiledningstjeneste {service_id}")


_GUIDANCE_SERVICES = _Kind(
    "Veiledningstjenesten",
    "id",
    lambda conn, key: bool(guidance_service_entries(conn, key)),
    require_guidance_service,
    save_guidance_service_entry,
)
create_guidance_service, update_guidance_service = _GUIDANCE_SERVICES.create, _GUIDANCE_SERVICES.update


def delete_guidance_service(conn: sa.Connection, service_id: str) -> None:
    """Nothing else refers to a guidance service: the catalog's tools name their organisation, not it."""
    require_guidance_service(conn, service_id)
    conn.execute(sa.delete(veiledningstjeneste).where(veiledningstjeneste.c.id == guidance_service_key(service_id)))


# -- PVK definitions ---------------------------------------------------------------------------------------


def save_pvk_definition_entry(conn: sa.Connection, entry: model.PvkDefinition) -> None:
    if entry.aktivFra and entry.aktivTil and entry.aktivTil < entry.aktivFra:
        raise ValueError("aktivTil: before aktivFra")
    save_definition(
        conn,
        entry.definisjonGuid,
        entry.definisjonNavn,
        entry.partKode,
        entry.typePi,
        entry.omfangElementer,
        entry.aktivFra,
        entry.aktivTil,
    )


def _definition_exists(conn: sa.Connection, guid: str) -> bool:
    return conn.execute(sa.select(pvk_definisjon.c.guid).where(pvk_definisjon.c.guid == guid.lower())).first() is not None


def require_pvk_definition(conn: sa.Connection, guid: str) -> None:
    if not _definition_exists(conn, guid):
        raise admin.NotFound(f"Fant ingen PVK-definisjon {guid}")


_PVK_DEFINITIONS = _Kind("PVK-definisjonen", "definisjonGuid", _definition_exists, require_pvk_definition, save_pvk_definition_entry)
create_pvk_definition, update_pvk_definition = _PVK_DEFINITIONS.create, _PVK_DEFINITIONS.update


def delete_pvk_definition(conn: sa.Connection, guid: str) -> None:
    """Refused for the Helsenorge consent (DigitaltAktiv reads it) and while citizens have settings of it
    (PVK keeps a citizen's choices; their history stays either way)."""
    require_pvk_definition(conn, guid)
    key = guid.lower()
    if key == HELSENORGE_CONSENT:
        raise admin.InUse("Helsenorge-samtykket kan ikke slettes: DigitaltAktiv leser det")
    settings = conn.execute(
        sa.select(sa.func.count()).select_from(pvk_innstilling).where(pvk_innstilling.c.definisjon_guid == key)
    ).scalar_one()
    if settings:
        raise admin.InUse(f"PVK-definisjonen {key} har innstillinger for {settings} innbyggere; den kan ikke slettes")
    conn.execute(sa.delete(pvk_definisjon).where(pvk_definisjon.c.guid == key))


# -- SvarUt integrations and accounts ----------------------------------------------------------------------


def save_integration_entry(conn: sa.Connection, entry: model.Integration, default_name: str) -> None:
    save_integration(conn, entry.integrasjonId, entry.navn or default_name, entry.passord, entry.orgnr, passord_hash=entry.passord_hash)


def _integration_exists(conn: sa.Connection, integrasjon_id: str) -> bool:
    key = uuid_key(integrasjon_id, "integrasjon")
    return (
        conn.execute(sa.select(svarut_integrasjon.c.integrasjon_id).where(svarut_integrasjon.c.integrasjon_id == key)).first() is not None
    )


def require_integration(conn: sa.Connection, integrasjon_id: str) -> None:
    if not _integration_exists(conn, integrasjon_id):
        raise admin.NotFound(f"Fant ingen integrasjon {integrasjon_id}")


def _save_own_integration(conn: sa.Connection, entry: model.Integration) -> None:
    save_integration_entry(conn, entry, f"Integrasjon {entry.integrasjonId}")


_INTEGRATIONS = _Kind("Integrasjonen", "integrasjonId", _integration_exists, require_integration, _save_own_integration)
create_integration, update_integration = _INTEGRATIONS.create, _INTEGRATIONS.update


def delete_integration(conn: sa.Connection, integrasjon_id: str) -> None:
    """The accounts' grants to it go with it, as in Fiks: letters it sent stay."""
    require_integration(conn, integrasjon_id)
    key = uuid_key(integrasjon_id, "integrasjon")
    conn.execute(sa.delete(svarut_konto_integrasjon).where(svarut_konto_integrasjon.c.integrasjon_id == key))
    conn.execute(sa.delete(svarut_integrasjon).where(svarut_integrasjon.c.integrasjon_id == key))


def save_svarut_account_entry(conn: sa.Connection, entry: model.SvarUtAccount) -> None:
    """Create or replace the account, its integrations (which it grants access), and its v2 registrations."""
    for integration in entry.integrations:
        save_integration_entry(conn, integration, f"Integrasjon for {entry.navn or entry.kontoId}")
    organisation = registry.get_organisation(conn, entry.orgnr)
    navn = entry.navn or (organisation.navn if organisation else entry.kontoId)
    save_account(conn, Account(entry.kontoId, navn, entry.orgnr, entry.her_id), [i.integrasjonId for i in entry.integrations])
    known = set(receiving_systems.list_types(conn))
    for index, name in enumerate(entry.forsendelsestyper):
        if name not in known:
            try:
                receiving_systems.add_type(conn, name)
            except admin.AdminError as exc:
                raise ValueError(f"forsendelsestyper[{index}]: {exc}") from None
            known.add(name)
    for index, system in enumerate(entry.mottakersystemer):
        system_id = system.id or str(uuid.uuid5(_SYSTEM_NAMESPACE, f"{entry.kontoId}/{system.navn}/{system.forsendelseType}"))
        with contextlib.suppress(admin.NotFound):  # one the file added before is replaced by what it says now
            receiving_systems.remove_system(conn, system_id)
        try:
            receiving_systems.add_system(conn, system.navn, system.orgnr or entry.orgnr, system.forsendelseType, system.niva, system_id)
        except admin.AdminError as exc:
            raise ValueError(f"mottakersystemer[{index}]: {exc}") from None


def require_svarut_account(conn: sa.Connection, konto_id: str) -> Account:
    account = get_account(conn, uuid_key(konto_id, "konto"))
    if account is None:
        raise admin.NotFound(f"Fant ingen SvarUt-konto {konto_id}")
    return account


# An update replaces the account, including the integrations it grants: grants to integrations left out end.
_SVARUT_ACCOUNTS = _Kind(
    "SvarUt-kontoen",
    "kontoId",
    lambda conn, key: get_account(conn, key) is not None,
    require_svarut_account,
    save_svarut_account_entry,
)
create_svarut_account, update_svarut_account = _SVARUT_ACCOUNTS.create, _SVARUT_ACCOUNTS.update


def delete_svarut_account(conn: sa.Connection, konto_id: str) -> None:
    """Refused while the account has letters (their status and receipts are the sender's record)."""
    account = require_svarut_account(conn, konto_id)
    letters = conn.execute(
        sa.select(sa.func.count()).select_from(svarut_forsendelse).where(svarut_forsendelse.c.konto_id == account.konto_id)
    ).scalar_one()
    if letters:
        raise admin.InUse(f"SvarUt-kontoen {account.konto_id} har sendt {letters} forsendelser; den kan ikke slettes")
    conn.execute(sa.delete(svarut_konto_integrasjon).where(svarut_konto_integrasjon.c.konto_id == account.konto_id))
    conn.execute(sa.delete(svarut_konto).where(svarut_konto.c.konto_id == account.konto_id))


def grant_integration(conn: sa.Connection, konto_id: str, integrasjon_id: str) -> bool:
    """Let the integration act for the account; False when it could already."""
    account = require_svarut_account(conn, konto_id)
    require_integration(conn, integrasjon_id)
    key = uuid_key(integrasjon_id, "integrasjon")
    grant = (svarut_konto_integrasjon.c.konto_id == account.konto_id) & (svarut_konto_integrasjon.c.integrasjon_id == key)
    if conn.execute(sa.select(svarut_konto_integrasjon.c.konto_id).where(grant)).first() is not None:
        return False
    conn.execute(sa.insert(svarut_konto_integrasjon).values(konto_id=account.konto_id, integrasjon_id=key))
    return True


def revoke_integration(conn: sa.Connection, konto_id: str, integrasjon_id: str) -> None:
    account = require_svarut_account(conn, konto_id)
    key = uuid_key(integrasjon_id, "integrasjon")
    grant = (svarut_konto_integrasjon.c.konto_id == account.konto_id) & (svarut_konto_integrasjon.c.integrasjon_id == key)
    if not conn.execute(sa.delete(svarut_konto_integrasjon).where(grant)).rowcount:
        raise admin.NotFound(f"Integrasjonen {integrasjon_id} har ikke tilgang til kontoen {account.konto_id}")
