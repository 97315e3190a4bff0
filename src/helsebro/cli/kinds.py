"""``helsebro clients|tools|guidance-services|pvk-definitions`` and ``helsebro svarut accounts|integrations``:
list, show, create, update and delete one entry of each kind of the environment file.

An entry is given as a file in the environment file's shape for its kind (JSON or YAML, ``-`` for standard
input), and ``show`` prints one in that shape, so ``show`` > edit > ``update`` works. The work is the operator
API's (``operator.kinds_service``), so both refuse the same things with the same messages; a refusal prints
the reason and exits with code 2.

No ``from __future__ import annotations``: the commands are made per kind, and typer reads their parameters
from the annotations, which must be real objects.
"""

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Column, Table

from helsebro.cli.common import err, prepared_engine

CLI_ACTOR = "helsebro-cli"

tools_app = typer.Typer(help="Tools in the Verktøy catalog, with their images.", no_args_is_help=True)
guidance_app = typer.Typer(help="Guidance services (Veiledningstjeneste) of organisations.", no_args_is_help=True)
pvk_app = typer.Typer(help="PVK definitions: the consents, reservations and access restrictions PVK knows.", no_args_is_help=True)
accounts_app = typer.Typer(help="SvarUt accounts (kontoId) and the integrations that may send from them.", no_args_is_help=True)
integrations_app = typer.Typer(
    help="Fiks integrations (IntegrasjonId and password) that SvarUt calls authenticate with.", no_args_is_help=True
)
image_app = typer.Typer(help="A tool's image (GrafiskElement): PNG, JPEG or SVG.", no_args_is_help=True)
tools_app.add_typer(image_app, name="image")

EntryFile = Annotated[
    str,
    typer.Argument(metavar="FILE", help="The entry as JSON or YAML, in the environment file's shape for its kind; - reads standard input."),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
Limit = Annotated[int, typer.Option(min=1, max=1000, help="At most this many (1-1000).")]
Offset = Annotated[int, typer.Option(min=0, help="Skip this many.")]


def _service():  # noqa: ANN202
    from helsebro.operator import kinds_service

    return kinds_service


def _run(call: Any, *args: Any) -> Any:
    """Run a use case; a refusal (the operator API's error) prints its message and exits with code 2."""
    from helsebro.errors import HelsenorgeError

    try:
        return call(prepared_engine(), *args)
    except HelsenorgeError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from exc


def _entry(kind: Any, source: str, **extra: Any) -> Any:
    """The file's entry, checked by the kind's model; a problem is printed as the operator API says it."""
    import yaml
    from pydantic import ValidationError

    from helsebro.operator import errors

    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        data = yaml.safe_load(text)  # YAML reads JSON too
    except OSError as exc:
        err.print(f"[red]{source}: cannot read it ({exc.strerror})[/red]")
        raise typer.Exit(2) from exc
    except yaml.YAMLError as exc:
        err.print(f"[red]{source}: not valid JSON or YAML: {exc}[/red]")
        raise typer.Exit(2) from exc
    if not isinstance(data, dict):
        err.print(f"[red]{source}: must be one entry (a mapping), in the environment file's shape[/red]")
        raise typer.Exit(2)
    try:
        return kind.entry.model_validate({**data, **extra})
    except ValidationError as exc:
        err.print(f"[red]{source}: {errors.invalid_request(exc.errors()).message}[/red]")
        raise typer.Exit(2) from exc


def _print(entry: Any) -> None:
    print(json.dumps(entry, indent=2, ensure_ascii=False, default=str))


# The kinds with their commands: the name of the kind in ``operator.kinds_service`` (imported only when a command
# runs: it knows every family's models) and its id field, for the arguments' help (a unit test keeps it right).
KIND_COMMANDS = (
    ("CLIENTS", "client_id", "client"),
    ("TOOLS", "VerktoyId", "tool"),
    ("GUIDANCE", "id", "guidance service"),
    ("PVK_DEFINITIONS", "definisjonGuid", "PVK definition"),
    ("SVARUT_ACCOUNTS", "kontoId", "SvarUt account"),
    ("SVARUT_INTEGRATIONS", "integrasjonId", "integration"),
)


def add_commands(app: typer.Typer, kind_name: str, id_field: str, noun: str, *, skip: tuple[str, ...] = ()) -> None:
    """list, show, create, update and delete for one kind, on its command group."""
    item_id = Annotated[str, typer.Argument(metavar=id_field.upper(), help=f"The {noun}'s {id_field}.")]

    def resolved() -> Any:
        return getattr(_service(), kind_name)

    def list_items(limit: Limit = 50, offset: Offset = 0, as_json: AsJson = False) -> None:
        kind = resolved()
        page = _run(_service().list_entries, kind, limit, offset)
        if as_json:
            _print(page)
            return
        label = kind.label
        table = Table(Column(kind.id_field, no_wrap=True), label, "orgnr", title=f"{len(page[kind.items])} of {page['totalt']}")
        for entry in page[kind.items]:
            table.add_row(
                str(entry[kind.id_field]), str(entry.get(label) or ""), str(entry.get("orgnr") or entry.get("Organisasjonsnummer") or "")
            )
        Console().print(table)

    def show(identifier: item_id) -> None:
        _print(_run(_service().get_entry, resolved(), identifier))

    def create(source: EntryFile) -> None:
        kind = resolved()
        created = _run(_service().create_entry, kind, _entry(kind, source), CLI_ACTOR)
        err.print(f"Created {noun} {created[id_field]}.")
        _print(created)

    def update(identifier: item_id, source: EntryFile) -> None:
        kind = resolved()
        _print(_run(_service().update_entry, kind, identifier, _entry(kind, source), CLI_ACTOR))
        err.print(f"Replaced {noun} {identifier}.")

    def delete(identifier: item_id) -> None:
        _run(_service().delete_entry, resolved(), identifier, CLI_ACTOR)
        err.print(f"Deleted {noun} {identifier}.")

    list_items.__doc__ = f"List {noun}s in the environment file's shape (--json) or as a table."
    show.__doc__ = f"Print a {noun} as JSON, in the environment file's shape (what update takes)."
    create.__doc__ = f"Create a {noun} from FILE (refused when its {id_field} is taken)."
    update.__doc__ = f"Replace a {noun} with FILE (the same shape show prints)."
    delete.__doc__ = f"Delete a {noun} (refused, with the reason, while other data depends on it)."
    for name, command in (("list", list_items), ("show", show), ("create", create), ("update", update), ("delete", delete)):
        if name not in skip:
            app.command(name)(command)


def register(clients_app: typer.Typer, svarut_app: typer.Typer) -> None:
    """Add the kinds' commands: clients beside ``clients add|list``, SvarUt's under ``svarut``."""
    groups = {
        "CLIENTS": clients_app,
        "TOOLS": tools_app,
        "GUIDANCE": guidance_app,
        "PVK_DEFINITIONS": pvk_app,
        "SVARUT_ACCOUNTS": accounts_app,
        "SVARUT_INTEGRATIONS": integrations_app,
    }
    for kind_name, id_field, noun in KIND_COMMANDS:
        add_commands(groups[kind_name], kind_name, id_field, noun, skip=("list", "create") if kind_name == "CLIENTS" else ())
    clients_app.command("create")(_create_client)
    svarut_app.add_typer(accounts_app, name="accounts")
    svarut_app.add_typer(integrations_app, name="integrations")


def _create_client(
    source: EntryFile,
    generate_secret: Annotated[
        bool, typer.Option("--generate-secret", help="Make a secret; it is printed this once and only its hash kept.")
    ] = False,
) -> None:
    """Create a client from FILE (jwks, jwks_uri, secret or certificates; refused when its client_id is taken)."""
    from helsebro.operator import kinds_service as kinds

    entry = _entry(kinds.CLIENTS, source, **({"genererSecret": True} if generate_secret else {}))
    created = _run(kinds.create_entry, kinds.CLIENTS, entry, CLI_ACTOR)
    err.print(f"Created client {created['client_id']}." + (" Its secret is shown this once." if generate_secret else ""))
    _print(created)


# -- a tool's image and an account's integrations ----------------------------------------------------------

ToolId = Annotated[str, typer.Argument(metavar="VERKTOYID", help="The tool's VerktoyId.")]


@image_app.command("set")
def image_set(
    tool_id: ToolId,
    image: Annotated[Path, typer.Argument(help="The image file (.png, .jpg, .jpeg or .svg).", exists=True, dir_okay=False)],
    content_type: Annotated[str | None, typer.Option(help="The image's type; default from the file's suffix.")] = None,
) -> None:
    """Give the tool this image (the catalog shows it as its GrafiskElement)."""
    from helsebro.testdata import kinds
    from helsebro.verktoy.store import CONTENT_TYPES

    data = image.read_bytes()[: kinds.MAX_IMAGE_BYTES + 1]  # one byte over is enough to refuse it
    chosen = content_type or CONTENT_TYPES.get(image.suffix.lower(), "application/octet-stream")
    saved = _run(_service().set_tool_image, tool_id, chosen, data, CLI_ACTOR)
    err.print(f"Tool {saved['VerktoyId']} shows image {saved['GrafiskElementId']}.")


@image_app.command("get")
def image_get(tool_id: ToolId, out: Annotated[Path, typer.Argument(help="Where to write the image.", dir_okay=False)]) -> None:
    """Write the tool's image to OUT."""
    content_type, data = _run(_service().get_tool_image, tool_id)
    out.write_bytes(data)
    err.print(f"Wrote {len(data)} bytes ({content_type}) to {out}.")


@image_app.command("remove")
def image_remove(tool_id: ToolId) -> None:
    """Take the tool's image away (the image goes too unless another tool shows it)."""
    _run(_service().delete_tool_image, tool_id, CLI_ACTOR)
    err.print("Image removed.")


KontoId = Annotated[str, typer.Argument(metavar="KONTOID", help="The account's kontoId.")]
IntegrasjonId = Annotated[str, typer.Argument(metavar="INTEGRASJONID", help="The integration's integrasjonId.")]


@accounts_app.command("grant")
def accounts_grant(konto_id: KontoId, integrasjon_id: IntegrasjonId) -> None:
    """Let the integration send from the account."""
    _, granted = _run(_service().grant_integration, konto_id, integrasjon_id, CLI_ACTOR)
    err.print("Access granted." if granted else "No change: the integration had access already.")


@accounts_app.command("revoke")
def accounts_revoke(konto_id: KontoId, integrasjon_id: IntegrasjonId) -> None:
    """Take the integration's access to the account away."""
    _run(_service().revoke_integration, konto_id, integrasjon_id, CLI_ACTOR)
    err.print("Access revoked.")
