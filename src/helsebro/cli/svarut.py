"""``helsebro svarut ...``: SvarUt's test data (KRR, SvarInn receivers, the GP register) from the command line.

Works on the database directly (like ``helsebro citizens``), through the same rules as the operator API
(``svarut.testdata_admin``), so both refuse the same things with the same messages. A refused change
prints the reason and exits with code 2. A change only affects letters accepted after it.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from helsebro.cli.common import err, print_json, read, write

svarut_app = typer.Typer(help="SvarUt test data: KRR entries, SvarInn receivers and the GP register.", no_args_is_help=True)
krr_app = typer.Typer(
    help="KRR: reservation, digital mailbox and notification status, which decide where a letter to a person goes.", no_args_is_help=True
)
svarinn_app = typer.Typer(
    help="Organisations that receive their letters through SvarInn (the rest get them in Altinn).", no_args_is_help=True
)
gp_app = typer.Typer(
    help="The GP register (fastlegeregisteret): a citizen's GP by HER-id, for nhn letters to FASTLEGE.", no_args_is_help=True
)
svarut_app.add_typer(krr_app, name="krr")
svarut_app.add_typer(svarinn_app, name="svarinn")
svarut_app.add_typer(gp_app, name="fastlege")
types_app = typer.Typer(help="Forsendelsestyper SvarUt knows (v2 GET /forsendelsestyper).", no_args_is_help=True)
systems_app = typer.Typer(
    help="Receiving systems (v2 GET /mottakersystem): letters of a forsendelsestype to an organisation go through SvarInn.",
    no_args_is_help=True,
)
svarut_app.add_typer(types_app, name="forsendelsestype")
svarut_app.add_typer(systems_app, name="mottakersystem")

_NO_MAILBOX = ("none", "ingen")

Fnr = Annotated[str, typer.Argument(help="Fødselsnummer of a citizen in the population registry.")]
Limit = Annotated[int, typer.Option(help="At most this many (1-1000).")]
Offset = Annotated[int, typer.Option(help="Skip this many.")]


# --- KRR -------------------------------------------------------------------------------------------------


@krr_app.command("list")
def krr_list(limit: Limit = 50, offset: Offset = 0) -> None:
    """List KRR entries by fødselsnummer, with the channel a letter to each goes through now."""
    from helsebro.svarut import testdata_admin as admin

    page = read(lambda conn: admin.list_krr(conn, limit, offset))
    table = Table("fnr", "navn", "reservert", "postkasse", "varslingsstatus", "kanal", title=f"{len(page.items)} of {page.total}")
    for e in page.items:
        table.add_row(e.fnr, e.navn, "ja" if e.reservert else "", e.digital_postkasse or "", e.varslingsstatus, admin.channel_of(e))
    Console().print(table)


@krr_app.command("show")
def krr_show(fnr: Fnr) -> None:
    """Print a citizen's KRR entry as the operator API returns it (JSON)."""
    from helsebro.svarut import operator_schemas as wire
    from helsebro.svarut import testdata_admin as admin

    print_json(wire.KrrOppforing.of(read(lambda conn: admin.get_krr(conn, fnr))))


@krr_app.command("set")
def krr_set(
    fnr: Fnr,
    reservert: Annotated[
        bool, typer.Option("--reservert/--ikke-reservert", help="Reserved against digital post (letters go on paper).")
    ] = False,
    postkasse: Annotated[str, typer.Option(help="Digital mailbox: digipost, eboks or none.")] = "none",
    varslingsstatus: Annotated[str, typer.Option(help="KAN_VARSLES, or KAN_IKKE_VARSLES (no contact details: paper).")] = "KAN_VARSLES",
) -> None:
    """Set a citizen's whole KRR entry (what is left out gets its default), and print it."""
    from helsebro.svarut import operator_schemas as wire
    from helsebro.svarut import testdata_admin as admin

    change = admin.KrrChange(reservert, None if postkasse.lower() in _NO_MAILBOX else postkasse, varslingsstatus)
    record, created = write(lambda conn: admin.put_krr(conn, fnr, change))
    err.print(f"KRR entry {'added' if created else 'replaced'}; letters to the citizen now go through {admin.channel_of(record)}.")
    print_json(wire.KrrOppforing.of(record))


@krr_app.command("remove")
def krr_remove(fnr: Fnr) -> None:
    """Take a citizen out of KRR (letters then go on paper)."""
    from helsebro.svarut import testdata_admin as admin

    write(lambda conn: admin.delete_krr(conn, fnr))
    err.print("KRR entry removed.")


# --- SvarInn ---------------------------------------------------------------------------------------------


@svarinn_app.command("list")
def svarinn_list(limit: Limit = 50, offset: Offset = 0) -> None:
    """List the organisations that receive through SvarInn."""
    from helsebro.svarut import testdata_admin as admin

    page = read(lambda conn: admin.list_svarinn(conn, limit, offset))
    table = Table("orgnr", "navn", title=f"{len(page.items)} of {page.total}")
    for r in page.items:
        table.add_row(r.orgnr, r.navn)
    Console().print(table)


@svarinn_app.command("add")
def svarinn_add(orgnr: Annotated[str, typer.Argument(help="Organisasjonsnummer of an organisation in Enhetsregisteret.")]) -> None:
    """Let an organisation receive through SvarInn."""
    from helsebro.svarut import testdata_admin as admin

    receiver = write(lambda conn: admin.add_svarinn(conn, orgnr))
    err.print(f"{receiver.navn} ({receiver.orgnr}) now receives through SvarInn.")


@svarinn_app.command("remove")
def svarinn_remove(orgnr: Annotated[str, typer.Argument(help="Organisasjonsnummer.")]) -> None:
    """The organisation gets its letters in Altinn instead of SvarInn."""
    from helsebro.svarut import testdata_admin as admin

    write(lambda conn: admin.remove_svarinn(conn, orgnr))
    err.print(f"{orgnr} no longer receives through SvarInn (Altinn instead).")


# --- the GP register -------------------------------------------------------------------------------------


@gp_app.command("show")
def gp_show(fnr: Fnr) -> None:
    """Print the HER-id of the citizen's GP."""
    from helsebro.svarut import testdata_admin as admin

    print(read(lambda conn: admin.get_gp(conn, fnr)))


@gp_app.command("set")
def gp_set(fnr: Fnr, her_id: Annotated[str, typer.Argument(metavar="HER_ID", help="The GP's HER-id (digits).")]) -> None:
    """Give the citizen a GP."""
    from helsebro.svarut import testdata_admin as admin

    created = write(lambda conn: admin.set_gp(conn, fnr, her_id))
    err.print("GP set." if created else "GP changed.")


@gp_app.command("remove")
def gp_remove(fnr: Fnr) -> None:
    """Remove the citizen's GP."""
    from helsebro.svarut import testdata_admin as admin

    write(lambda conn: admin.remove_gp(conn, fnr))
    err.print("GP removed.")


# --- v2: forsendelsestyper and receiving systems -----------------------------------------------------------


@types_app.command("list")
def types_list() -> None:
    """List the registered forsendelsestyper."""
    from helsebro.svarut import receiving_systems

    for navn in read(receiving_systems.list_types):
        print(navn)


@types_app.command("add")
def types_add(
    navn: Annotated[str, typer.Argument(help="The type: letters and digits, parts joined by dots (Byggesak, plan.regulering).")],
) -> None:
    """Register a forsendelsestype."""
    from helsebro.svarut import receiving_systems

    write(lambda conn: receiving_systems.add_type(conn, navn))
    err.print(f"Forsendelsestype {navn} added.")


@types_app.command("remove")
def types_remove(navn: Annotated[str, typer.Argument(help="The type.")]) -> None:
    """Remove a registered forsendelsestype."""
    from helsebro.svarut import receiving_systems

    write(lambda conn: receiving_systems.remove_type(conn, navn))
    err.print(f"Forsendelsestype {navn} removed.")


@systems_app.command("list")
def systems_list() -> None:
    """List the receiving systems (the registered ones and the SvarInn receivers' default ones), one a line, tab
    separated: id, orgnr, forsendelsestype, niva, navn."""
    from helsebro.svarut import receiving_systems

    for s in read(receiving_systems.all_systems):
        print("\t".join((s.id, s.organisasjonsnummer, s.forsendelseType, str(s.niva), s.navn)))


@systems_app.command("add")
def systems_add(
    orgnr: Annotated[str, typer.Argument(help="Organisasjonsnummer of an organisation in Enhetsregisteret.")],
    forsendelsestype: Annotated[str, typer.Argument(help="Letters of this type go to the system through SvarInn.")],
    navn: Annotated[str, typer.Option(help="The system's name.")] = "Sak/arkiv",
    niva: Annotated[int, typer.Option(help="Security level 0-9.")] = 4,
    system_id: Annotated[str | None, typer.Option("--id", help="The system's id (UUID); default a new one.")] = None,
) -> None:
    """Register a receiving system, and print it as the operator API does (JSON)."""
    from helsebro.svarut import operator_schemas as wire
    from helsebro.svarut import receiving_systems

    system = write(lambda conn: receiving_systems.add_system(conn, navn, orgnr, forsendelsestype, niva, system_id))
    print_json(wire.Mottakersystem.of(system))


@systems_app.command("remove")
def systems_remove(system_id: Annotated[str, typer.Argument(metavar="ID", help="The receiving system's id.")]) -> None:
    """Remove a registered receiving system."""
    from helsebro.svarut import receiving_systems

    write(lambda conn: receiving_systems.remove_system(conn, system_id))
    err.print("Receiving system removed.")
