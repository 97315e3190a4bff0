"""``helsebro svarut ...``: SvarUt's test data (KRR, SvarInn receivers, the GP register) from the command line.

Works on the database directly (like ``helsebro citizens``), through the same rules as the operator API
(``svarut.testdata_admin``), so both refuse the same things with the same messages. A refused change
prints the reason and exits with code 2. A change only affects letters accepted after it.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from helsebro.operator_cli import _read, _write, err

svarut_app = typer.Typer(help="SvarUt test data: KRR entries, SvarInn receivers and the GP register.", no_args_is_help=True)
krr_app = typer.Typer(help="KRR: reservation, digital mailbox and notification status, which decide where a letter to a person goes.", no_args_is_help=True)
svarinn_app = typer.Typer(help="Organisations that receive their letters through SvarInn (the rest get them in Altinn).", no_args_is_help=True)
gp_app = typer.Typer(help="The GP register (fastlegeregisteret): a citizen's GP by HER-id, for nhn letters to FASTLEGE.", no_args_is_help=True)
svarut_app.add_typer(krr_app, name="krr")
svarut_app.add_typer(svarinn_app, name="svarinn")
svarut_app.add_typer(gp_app, name="fastlege")

_NO_MAILBOX = ("none", "ingen")

Fnr = Annotated[str, typer.Argument(help="Fødselsnummer of a citizen in the population registry.")]
Limit = Annotated[int, typer.Option(help="At most this many (1-1000).")]
Offset = Annotated[int, typer.Option(help="Skip this many.")]


def _print_json(model) -> None:  # noqa: ANN001
    print(json.dumps(model.model_dump(mode="json", by_alias=True), indent=2, ensure_ascii=False))


# --- KRR -------------------------------------------------------------------------------------------------


@krr_app.command("list")
def krr_list(limit: Limit = 50, offset: Offset = 0) -> None:
    """List KRR entries by fødselsnummer, with the channel a letter to each goes through now."""
    from helsebro.svarut import testdata_admin as admin

    page = _read(lambda conn: admin.list_krr(conn, limit, offset))
    table = Table("fnr", "navn", "reservert", "postkasse", "varslingsstatus", "kanal", title=f"{len(page.items)} of {page.total}")
    for e in page.items:
        table.add_row(e.fnr, e.navn, "ja" if e.reservert else "", e.digital_postkasse or "", e.varslingsstatus, admin.channel_of(e))
    Console().print(table)


@krr_app.command("show")
def krr_show(fnr: Fnr) -> None:
    """Print a citizen's KRR entry as the operator API returns it (JSON)."""
    from helsebro.svarut import operator_schemas as wire
    from helsebro.svarut import testdata_admin as admin

    _print_json(wire.KrrOppforing.of(_read(lambda conn: admin.get_krr(conn, fnr))))


@krr_app.command("set")
def krr_set(
    fnr: Fnr,
    reservert: Annotated[bool, typer.Option("--reservert/--ikke-reservert", help="Reserved against digital post (letters go on paper).")] = False,
    postkasse: Annotated[str, typer.Option(help="Digital mailbox: digipost, eboks or none.")] = "none",
    varslingsstatus: Annotated[str, typer.Option(help="KAN_VARSLES, or KAN_IKKE_VARSLES (no contact details: paper).")] = "KAN_VARSLES",
) -> None:
    """Set a citizen's whole KRR entry (what is left out gets its default), and print it."""
    from helsebro.svarut import operator_schemas as wire
    from helsebro.svarut import testdata_admin as admin

    change = admin.KrrChange(reservert, None if postkasse.lower() in _NO_MAILBOX else postkasse, varslingsstatus)
    record, created = _write(lambda conn: admin.put_krr(conn, fnr, change))
    err.print(f"KRR entry {'added' if created else 'replaced'}; letters to the citizen now go through {admin.channel_of(record)}.")
    _print_json(wire.KrrOppforing.of(record))


@krr_app.command("remove")
def krr_remove(fnr: Fnr) -> None:
    """Take a citizen out of KRR (letters then go on paper)."""
    from helsebro.svarut import testdata_admin as admin

    _write(lambda conn: admin.delete_krr(conn, fnr))
    err.print("KRR entry removed.")


# --- SvarInn ---------------------------------------------------------------------------------------------


@svarinn_app.command("list")
def svarinn_list(limit: Limit = 50, offset: Offset = 0) -> None:
    """List the organisations that receive through SvarInn."""
    from helsebro.svarut import testdata_admin as admin

    page = _read(lambda conn: admin.list_svarinn(conn, limit, offset))
    table = Table("orgnr", "navn", title=f"{len(page.items)} of {page.total}")
    for r in page.items:
        table.add_row(r.orgnr, r.navn)
    Console().print(table)


@svarinn_app.command("add")
def svarinn_add(orgnr: Annotated[str, typer.Argument(help="Organisasjonsnummer of an organisation in Enhetsregisteret.")]) -> None:
    """Let an organisation receive through SvarInn."""
    from helsebro.svarut import testdata_admin as admin

    receiver = _write(lambda conn: admin.add_svarinn(conn, orgnr))
    err.print(f"{receiver.navn} ({receiver.orgnr}) now receives through SvarInn.")


@svarinn_app.command("remove")
def svarinn_remove(orgnr: Annotated[str, typer.Argument(help="Organisasjonsnummer.")]) -> None:
    """The organisation gets its letters in Altinn instead of SvarInn."""
    from helsebro.svarut import testdata_admin as admin

    _write(lambda conn: admin.remove_svarinn(conn, orgnr))
    err.print(f"{orgnr} no longer receives through SvarInn (Altinn instead).")


# --- the GP register -------------------------------------------------------------------------------------


@gp_app.command("show")
def gp_show(fnr: Fnr) -> None:
    """Print the HER-id of the citizen's GP."""
    from helsebro.svarut import testdata_admin as admin

    print(_read(lambda conn: admin.get_gp(conn, fnr)))


@gp_app.command("set")
def gp_set(fnr: Fnr, her_id: Annotated[str, typer.Argument(metavar="HER_ID", help="The GP's HER-id (digits).")]) -> None:
    """Give the citizen a GP."""
    from helsebro.svarut import testdata_admin as admin

    created = _write(lambda conn: admin.set_gp(conn, fnr, her_id))
    err.print("GP set." if created else "GP changed.")


@gp_app.command("remove")
def gp_remove(fnr: Fnr) -> None:
    """Remove the citizen's GP."""
    from helsebro.svarut import testdata_admin as admin

    _write(lambda conn: admin.remove_gp(conn, fnr))
    err.print("GP removed.")

