"""``helsebro citizens|personnel|orgs``: set up test data from the command line.

Works on the database directly (like ``helsebro clients add``), through the same registry rules as the
operator API (``registries.admin``), so both refuse the same things with the same messages. A refused
change prints the reason and exits with code 2.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from helsebro.cli.common import err, print_json, read, write

T = TypeVar("T")

# Who made a change, in the PVK history (the API writes the operator client's id instead).
CLI_ACTOR = "helsebro-cli"

citizens_app = typer.Typer(help="Citizens in the population registry: add, list, show, set dead, consent.", no_args_is_help=True)
personnel_app = typer.Typer(help="Health personnel (HPR): add, list.", no_args_is_help=True)
orgs_app = typer.Typer(help="Organisations (orgnr, HER-id): add, list.", no_args_is_help=True)


def _as_date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


# --- citizens --------------------------------------------------------------------------------------------


@citizens_app.command("add")
def citizens_add(
    fornavn: Annotated[str, typer.Option(help="First name.")],
    etternavn: Annotated[str, typer.Option(help="Last name.")],
    fnr: Annotated[str | None, typer.Option(help="Fødselsnummer (valid check digits); default: a new Tenor number.")] = None,
    fodselsdato: Annotated[
        dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], metavar="YYYY-MM-DD", help="Birth date; required without --fnr.")
    ] = None,
    mellomnavn: Annotated[str | None, typer.Option(help="Middle name.")] = None,
    adresse: Annotated[str | None, typer.Option(help="Street address.")] = None,
    postnummer: Annotated[str | None, typer.Option(help="Postcode (4 digits).")] = None,
    poststed: Annotated[str | None, typer.Option(help="Post town.")] = None,
    samtykke: Annotated[bool, typer.Option("--samtykke", help="Give the Helsenorge consent (digitally active).")] = False,
) -> None:
    """Add a citizen. Prints the fødselsnummer (made from --fodselsdato when --fnr is left out)."""
    from helsebro.registries import admin

    new = admin.NewCitizen(
        fornavn=fornavn,
        etternavn=etternavn,
        fnr=fnr,
        fodselsdato=_as_date(fodselsdato),
        mellomnavn=mellomnavn,
        adresse=adresse,
        postnummer=postnummer,
        poststed=poststed,
        helsenorge_samtykke=samtykke,
    )
    created = write(lambda conn: admin.create_citizen(conn, new, actor=CLI_ACTOR))
    err.print("Citizen added" + (" with Helsenorge consent." if samtykke else "."))
    print(created)


@citizens_app.command("list")
def citizens_list(
    navn: Annotated[str | None, typer.Option(help="Only names containing every one of these words.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many (1-1000).")] = 50,
    offset: Annotated[int, typer.Option(help="Skip this many.")] = 0,
) -> None:
    """List citizens in name order."""
    from helsebro.registries import admin

    page = read(lambda conn: admin.list_citizens(conn, navn, limit, offset))
    table = Table("fnr", "navn", "død", "HN-samtykke", title=f"{len(page.items)} of {page.total}")
    for c in page.items:
        table.add_row(c.fnr, c.navn, str(c.dodsdato or ""), "ja" if c.helsenorge_samtykke else "")
    Console().print(table)


@citizens_app.command("show")
def citizens_show(fnr: Annotated[str, typer.Argument(help="Fødselsnummer.")]) -> None:
    """Print a citizen as the operator API returns it (JSON): parents, children, powers of attorney, consent."""
    from helsebro.operator import schemas
    from helsebro.registries import admin

    print_json(schemas.Innbygger.of(read(lambda conn: admin.citizen_profile(conn, fnr))))


@citizens_app.command("set-dead")
def citizens_set_dead(
    fnr: Annotated[str, typer.Argument(help="Fødselsnummer.")],
    date: Annotated[
        dt.datetime | None, typer.Option("--date", formats=["%Y-%m-%d"], metavar="YYYY-MM-DD", help="Date of death; default today.")
    ] = None,
    alive: Annotated[bool, typer.Option("--alive", help="Undo: the citizen is alive again.")] = False,
) -> None:
    """Mark a citizen dead (or alive again with --alive). Their DigitaltAktiv status changes with it."""
    from helsebro._time import utcnow
    from helsebro.registries import admin

    if alive and date:
        err.print("[red]Give --date or --alive, not both[/red]")
        raise typer.Exit(2)
    dodsdato = None if alive else (_as_date(date) or utcnow().date())
    changed = write(lambda conn: admin.set_death_date(conn, fnr, dodsdato))
    state = "alive" if alive else f"dead on {dodsdato}"
    err.print(f"Citizen is {state}." if changed else f"No change: the citizen was already {state}.")


@citizens_app.command("consent")
def citizens_consent(
    fnr: Annotated[str, typer.Argument(help="Fødselsnummer.")],
    withdraw: Annotated[bool, typer.Option("--withdraw", help="Withdraw the consent instead of giving it.")] = False,
) -> None:
    """Give (or withdraw) the citizen's Helsenorge consent, which makes them digitally active."""
    from helsebro.registries import admin

    give = not withdraw
    changed = write(lambda conn: admin.set_helsenorge_consent(conn, fnr, give, actor=CLI_ACTOR))
    state = "given" if give else "withdrawn"
    err.print(f"Helsenorge consent {state}." if changed else f"No change: the consent was already {state}.")


# --- health personnel ------------------------------------------------------------------------------------


def _authorisation(value: str):  # noqa: ANN202
    from helsebro.registries import admin

    kode, separator, navn = value.partition(":")
    if not separator:
        raise typer.BadParameter(f"{value!r}: write KODE:Navn, e.g. LE:Lege")
    return admin.Authorisation(kode, navn)


@personnel_app.command("add")
def personnel_add(
    hpr_nummer: Annotated[str, typer.Argument(metavar="HPR", help="HPR number (1-9 digits).")],
    fornavn: Annotated[str, typer.Option(help="First name(s).")],
    etternavn: Annotated[str, typer.Option(help="Last name.")],
    fnr: Annotated[str | None, typer.Option(help="Fødselsnummer (valid check digits).")] = None,
    autorisasjon: Annotated[list[str] | None, typer.Option(help="Authorisation as KODE:Navn, e.g. LE:Lege (repeat for more).")] = None,
) -> None:
    """Add a health person to the HPR registry."""
    from helsebro.registries import admin

    data = admin.HealthPersonData(
        hpr_nummer=hpr_nummer,
        fornavn=fornavn,
        etternavn=etternavn,
        fnr=fnr,
        autorisasjoner=[_authorisation(a) for a in autorisasjon or []],
    )
    person = write(lambda conn: admin.create_health_person(conn, data))
    err.print(f"Health person {person.hpr_nummer} added.")


@personnel_app.command("list")
def personnel_list(
    navn: Annotated[str | None, typer.Option(help="Only names containing every one of these words.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many (1-1000).")] = 50,
    offset: Annotated[int, typer.Option(help="Skip this many.")] = 0,
) -> None:
    """List health personnel in name order."""
    from helsebro.registries import admin

    page = read(lambda conn: admin.list_health_personnel(conn, navn, limit, offset))
    table = Table("hpr", "navn", "autorisasjoner", title=f"{len(page.items)} of {page.total}")
    for p in page.items:
        table.add_row(p.hpr_nummer, p.navn, ", ".join(f"{a['kode']} {a['navn']}" for a in p.autorisasjoner))
    Console().print(table)


# --- organisations ---------------------------------------------------------------------------------------


@orgs_app.command("add")
def orgs_add(
    orgnr: Annotated[str, typer.Argument(help="Organisasjonsnummer (9 digits, mod-11 check digit).")],
    navn: Annotated[str, typer.Option(help="Name.")],
    her_id: Annotated[str | None, typer.Option(help="HER-id (digits, unique).")] = None,
) -> None:
    """Add an organisation."""
    from helsebro.registries import admin

    organisation = write(lambda conn: admin.create_organisation(conn, admin.OrganisationData(orgnr, navn, her_id)))
    err.print(f"Organisation {organisation.orgnr} added.")


@orgs_app.command("list")
def orgs_list(
    navn: Annotated[str | None, typer.Option(help="Only names containing every one of these words.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many (1-1000).")] = 50,
    offset: Annotated[int, typer.Option(help="Skip this many.")] = 0,
) -> None:
    """List organisations in name order."""
    from helsebro.registries import admin

    page = read(lambda conn: admin.list_organisations(conn, navn, limit, offset))
    table = Table("orgnr", "navn", "her-id", title=f"{len(page.items)} of {page.total}")
    for o in page.items:
        table.add_row(o.orgnr, o.navn, o.her_id or "")
    Console().print(table)
