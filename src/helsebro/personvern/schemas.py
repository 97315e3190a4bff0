"""PVK's wire format as pydantic models, for the OpenAPI document only.

Requests are not validated through these: PVK binds property names case-insensitively and repairs the
seed's copy-paste artefacts first (see ``service``), which pydantic validation would not allow.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

TypePi = Literal["samtykke", "reservasjon", "tilgangsbegrensning"]


class NavngittHelseperson(BaseModel):
    nummer: str = Field(description="HPR-nummer", examples=["4128168"])
    navn: str | None = Field(None, examples=["Linda Ingrid Telle"])


class DetaljertAngivelse(BaseModel):
    navngittHelseperson: list[NavngittHelseperson]


class Tidsbegrensning(BaseModel):
    fraTidspunkt: str | None = Field(None, description="ISO 8601 (helsebro)")
    tilTidspunkt: str | None = Field(None, description="ISO 8601 (helsebro)")


class InnbyggerMetadata(BaseModel):
    """TbInnbyggerMetadata."""

    detaljertAngivelse: DetaljertAngivelse | None = Field(None, description="Tilgangsbegrensning: navngitt helsepersonell")
    tidsbegrensning: Tidsbegrensning | None = Field(
        None, description="Samtykke/reservasjon: innbyggerens egne tidsbegrensninger (feltnavn fra helsebro)"
    )


class SettInnbyggersPersonvernInnstilling(BaseModel):
    innbyggerFnr: str = Field(examples=["12048645510"])
    definisjonGuid: str = Field(examples=["3FE2A80A-4200-42E2-817B-DA8A6236708A"])
    definisjonNavn: str | None = Field(None, examples=["Samtykke til oppbevaring av biomateriale"])
    partKode: str = Field(examples=["NFS"])
    typePi: TypePi
    aktiv: bool
    tidspunkt: str | None = Field(None, description="Når innstillingen ble satt i eksternt system", examples=["2023-12-07T08:05:39Z"])
    signertBevisMimeType: str | None = Field(None, examples=["application/pdf"])
    signertBevisInnhold: str | None = Field(None, description="Signert bevis, base64")
    TbInnbyggerMetadata: InnbyggerMetadata | None = None


class SettInnbyggersPersonvernInnstillingSvar(BaseModel):
    returKode: Literal["ok", "ikkeOk"]
    instansEndret: Literal["endret", "ikkeEndret"]


class SjekkInnbyggersPiStatus(BaseModel):
    innbyggerFnr: str
    definisjonGuid: str
    definisjonNavn: str | None = None
    partKode: str


class SjekkInnbyggersPiStatusSvar(BaseModel):
    innbyggerFnr: str
    definisjonGuid: str
    aktiv: bool
    sistEndretTidspunkt: str | None


class HentInnbyggersPiForPart(BaseModel):
    innbyggerFnr: str
    partKode: str


class InnbyggersPi(BaseModel):
    definisjonGuid: str
    definisjonNavn: str
    typePi: TypePi
    aktiv: bool
    sistEndretTidspunkt: str
    TbInnbyggerMetadata: InnbyggerMetadata | None = None


class OmfangElement(BaseModel):
    omfangKode: str
    logiskOmfang: str
    presisering: str


class FasteMetadata(BaseModel):
    omfangElementer: list[OmfangElement]


class AktivPi(BaseModel):
    innbyggerFnr: str
    sekvensnummer: int
    opprettetTidspunkt: str
    sistEndretTidspunkt: str


class HentInnbyggereAktivePiForDefinisjonSvar(BaseModel):
    definisjonGuid: str
    definisjonNavn: str
    partKode: str
    typePi: TypePi
    reFasteMetadata: FasteMetadata
    pagingReference: int = Field(description="Sekvensnummeret å fortsette fra; 0 på siste side")
    personvernInnstillinger: list[AktivPi]


class Feil(BaseModel):
    """A business error (400) or a failure inside (500), as NORPREG/PVKBroker_cs parses it: camelCase, every
    field required."""

    code: str = Field(examples=["EPVK-101518"])
    message: str = Field(examples=["Fant ingen innbygger med angitt fødselsnummer"])
    errorCategory: Literal["validering", "forretningsregel", "teknisk"] = Field(
        examples=["forretningsregel"],
        description="helsebro's values: validering (fix the request), forretningsregel (fix the data) or teknisk (500: try again)",
    )


class TilgangsFeil(BaseModel):
    """Token and scope errors (401, 403) in the seed's documented form."""

    Code: str = Field(examples=["SEC-110000"])
    Message: str = Field(examples=["Token is expired or invalid"])


def request_body(model: type[BaseModel]) -> dict[str, Any]:
    """An ``openapi_extra`` request body for a handler that reads the body itself."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": inline_schema(model)}}}}


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with its ``$defs`` inlined, so it stands alone inside the OpenAPI."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            reference = node.get("$ref")
            if isinstance(reference, str) and reference.startswith("#/$defs/"):
                return resolve(definitions[reference.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return resolve(schema)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": Feil, "description": "Feil i request (EPVK-1015xx)"},
    401: {"model": TilgangsFeil, "description": "SEC-110000: token mangler eller er ugyldig"},
    403: {"model": TilgangsFeil, "description": "SEC-110001: mangler scope, eller klienten har ikke tilgang til parten"},
    500: {"model": Feil, "description": "Feil internt på Helsenorge (EPVK-100500, errorCategory teknisk)"},
}
