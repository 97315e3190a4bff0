"""A small typed client for the APIs helsebro imitates, usable against helsebro and the real services alike
(every base URL is a parameter): HelseID (private_key_jwt, DPoP with nonces), Maskinporten, and one client per
family. See the README section "Python client"."""

from helsebro.client.auth import AccessToken, BearerToken, DPoP, HelseId, HelseIdAuth
from helsebro.client.digitaltaktiv import DigitaltAktivClient
from helsebro.client.errors import (
    ApiError,
    HelsenorgeError,
    OperatorError,
    PtsProblem,
    SvarUtError,
    TokenError,
)
from helsebro.client.login import LoginError, LoginTokens, ProfessionalLogin, StartedLogin
from helsebro.client.maskinporten import Maskinporten
from helsebro.client.operator import OperatorClient
from helsebro.client.personvern import PersonvernClient
from helsebro.client.pts import PtsClient
from helsebro.client.svarut import Document, SvarUtClient
from helsebro.client.verktoy import VerktoyClient

__all__ = [
    "AccessToken",
    "ApiError",
    "BearerToken",
    "DPoP",
    "DigitaltAktivClient",
    "Document",
    "HelseId",
    "HelseIdAuth",
    "HelsenorgeError",
    "LoginError",
    "LoginTokens",
    "Maskinporten",
    "OperatorClient",
    "OperatorError",
    "PersonvernClient",
    "ProfessionalLogin",
    "PtsClient",
    "PtsProblem",
    "SvarUtClient",
    "StartedLogin",
    "SvarUtError",
    "TokenError",
    "VerktoyClient",
]
