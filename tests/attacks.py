"""JWT and DPoP attack builders, and the attack list as data, shared by tests/api/test_token_attacks.py (the
catalog endpoint, one test per attack) and tests/robustness/test_attacks_every_family.py (every attack
against one endpoint of every family).

An attack takes a ``Target``: how a family's good token looks (its claims), how it is presented (Bearer or
DPoP) and where. Every attacked token is a good one with exactly one property broken, so a refusal proves the
guard checks that property; the family tests run a control with the unbroken token first.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey, thumbprint

from helsebro.auth.dpop import access_token_hash

DROP = object()  # a claim value meaning "leave this claim out"


# -- JWT building blocks ------------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64json(value: dict) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def unb64json(segment: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def parts(token: str) -> tuple[dict, dict, str]:
    """Header, claims (unverified) and the raw signature segment."""
    header, payload, signature = token.split(".")
    return unb64json(header), unb64json(payload), signature


def unsigned(header: dict, claims: dict) -> str:
    return f"{b64json(header)}.{b64json(claims)}."


def hs256(header: dict, claims: dict, secret: bytes) -> str:
    """HS256 by hand: joserfc refuses to use an RSA public key as an HMAC secret, an attacker does not."""
    signing_input = f"{b64json({**header, 'alg': 'HS256'})}.{b64json(claims)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


def signed(header: dict, claims: dict, key: RSAKey | ECKey) -> str:
    return jwt.encode(header, claims, key, algorithms=[header["alg"]])


def with_claims(claims: dict, **changes: Any) -> dict:
    result = {**claims, **changes}
    return {k: v for k, v in result.items() if v is not DROP}


def tampered(token: str, **changes: Any) -> str:
    """The token with its claims changed and its original signature kept."""
    header, claims, signature = parts(token)
    return f"{b64json(header)}.{b64json(with_claims(claims, **changes))}.{signature}"


# -- access tokens signed with the server's own key -----------------------------------------------------


def server_key(app) -> tuple[str, RSAKey]:
    return app.state.services.keys.signing_key()


def forge(app, claims: dict, **header: Any) -> str:
    """A token signed with the server's real signing key: only the claims are wrong."""
    kid, key = server_key(app)
    return signed({"alg": "RS256", "kid": kid, "typ": "at+jwt", **header}, claims, key)


# -- DPoP ---------------------------------------------------------------------------------------------


def new_key() -> ECKey:
    return ECKey.generate_key("P-256", private=True)


def jkt(key: ECKey | RSAKey) -> str:
    return thumbprint(key.as_dict(private=False))


def proof(
    key: ECKey | RSAKey,
    method: str,
    url: str,
    *,
    token: str | None = None,
    header: dict | None = None,
    **claims: Any,
) -> str:
    head = {"typ": "dpop+jwt", "alg": "ES256" if key.key_type == "EC" else "RS256", "jwk": key.as_dict(private=False)}
    body: dict[str, Any] = {"jti": secrets.token_urlsafe(16), "htm": method, "htu": url, "iat": int(time.time())}
    if token is not None:
        body["ath"] = access_token_hash(token)
    return signed({**head, **(header or {})}, with_claims(body, **claims), key)


# -- the attack list, for any family --------------------------------------------------------------------


@dataclass
class Target:
    """One protected endpoint of one family, as an attacker sees it.

    ``claims()`` gives the claims of a good token for the endpoint (a new jti each time); ``dpop_only`` says
    the family takes DPoP-bound tokens only (PTS), so every attacked token is presented DPoP-bound;
    ``other_audience`` is an audience helsebro issues for, but not this endpoint's.
    """

    app: Any
    method: str
    url: str  # absolute, as a DPoP proof names it
    claims: Callable[[], dict]
    other_audience: str
    other_scope: str
    dpop_only: bool = False

    def bind(self, claims: dict, key: ECKey) -> dict:
        return with_claims(claims, cnf={"jkt": jkt(key)})

    def present(self, token: str, key: ECKey | None = None, **proof_changes: Any) -> dict[str, str]:
        """Headers that present the token as a client would: DPoP with a fresh proof when a key is given."""
        if key is None:
            return {"Authorization": f"Bearer {token}"}
        return {"Authorization": f"DPoP {token}", "DPoP": proof(key, self.method, self.url, token=token, **proof_changes)}

    def good(self, **changes: Any) -> dict[str, str]:
        """A good token (with claim changes) presented the family's way."""
        if self.dpop_only:
            key = new_key()
            return self.present(forge(self.app, self.bind(with_claims(self.claims(), **changes), key)), key)
        return self.present(forge(self.app, with_claims(self.claims(), **changes)))

    def good_token_with(self, make: Callable[[dict], str]) -> dict[str, str]:
        """A token made from good claims by ``make`` (which breaks it), presented the family's way."""
        if self.dpop_only:
            key = new_key()
            return self.present(make(self.bind(self.claims(), key)), key)
        return self.present(make(self.claims()))

    def bound(self) -> tuple[str, ECKey]:
        key = new_key()
        return forge(self.app, self.bind(self.claims(), key)), key


@dataclass(frozen=True)
class Attack:
    name: str
    status: int  # 401, or 403 for a good token without the endpoint's scope
    reason: str  # in WWW-Authenticate's error_description
    headers: Callable[[Target], dict[str, str]]
    replay: bool = False  # the headers are sent twice; the first time must get in
    dpop_only: bool = False  # an attack only on a family that takes DPoP-bound tokens only


def _attacker_key_with_server_kid(target: Target) -> dict[str, str]:
    attacker = RSAKey.generate_key(2048, private=True)
    kid = server_key(target.app)[0]
    return target.good_token_with(lambda claims: signed({"alg": "RS256", "kid": kid, "typ": "at+jwt"}, claims, attacker))


def _hs256_with(secret: Callable[[Target], bytes]) -> Callable[[Target], dict[str, str]]:
    def build(target: Target) -> dict[str, str]:
        kid = server_key(target.app)[0]
        return target.good_token_with(lambda claims: hs256({"kid": kid, "typ": "at+jwt"}, claims, secret(target)))

    return build


def _dpop(**proof_changes: Any) -> Callable[[Target], dict[str, str]]:
    def build(target: Target) -> dict[str, str]:
        token, key = target.bound()
        return target.present(token, key, **proof_changes)

    return build


def _dpop_with_headers(change: Callable[[Target, str, ECKey], dict[str, str]]) -> Callable[[Target], dict[str, str]]:
    def build(target: Target) -> dict[str, str]:
        token, key = target.bound()
        return change(target, token, key)

    return build


def _now() -> int:
    return int(time.time())


ATTACKS: list[Attack] = [
    # forged and misused access tokens
    Attack(
        "alg_none",
        401,
        "alg 'none' is not accepted",
        lambda t: t.good_token_with(lambda c: unsigned({"alg": "none", "kid": server_key(t.app)[0], "typ": "at+jwt"}, c)),
    ),
    Attack("hs256_with_public_pem", 401, "alg 'HS256' is not accepted", _hs256_with(lambda t: server_key(t.app)[1].as_pem(private=False))),
    Attack(
        "hs256_with_public_jwk_n",
        401,
        "alg 'HS256' is not accepted",
        _hs256_with(lambda t: server_key(t.app)[1].as_dict(private=False)["n"].encode()),
    ),
    Attack("expired", 401, "token has expired", lambda t: t.good(iat=_now() - 7200, nbf=_now() - 7200, exp=_now() - 3600)),
    Attack("not_yet_valid", 401, "not valid yet", lambda t: t.good(nbf=_now() + 600)),
    Attack("nan_exp", 401, "exp must be a finite number", lambda t: t.good(exp=float("nan"))),
    Attack("wrong_audience", 401, "audience must include", lambda t: t.good(aud=t.other_audience)),
    Attack("wrong_issuer", 401, "not trusted", lambda t: t.good(iss="https://helseid-sts.evil.example")),
    Attack("unknown_kid", 401, "unknown kid", lambda t: t.good_token_with(lambda c: forge(t.app, c, kid="no-such-kid"))),
    Attack(
        "tampered_scope",
        401,
        "signature check failed",
        lambda t: t.good_token_with(lambda c: tampered(forge(t.app, with_claims(c, scope=[t.other_scope])), scope=c["scope"])),
    ),
    Attack(
        "tampered_client_id",
        401,
        "signature check failed",
        lambda t: t.good_token_with(lambda c: tampered(forge(t.app, c), client_id="helsebro-attacker")),
    ),
    Attack("attacker_key_with_server_kid", 401, "signature check failed", _attacker_key_with_server_kid),
    Attack("missing_authorization", 401, "Authorization header", lambda t: {}),
    Attack(
        "basic_scheme", 401, "Authorization must be", lambda t: {"Authorization": "Basic " + base64.b64encode(b"client:secret").decode()}
    ),
    # DPoP
    Attack("dpop_bound_token_as_bearer", 401, "DPoP-bound token must be sent as", lambda t: t.present(t.bound()[0])),
    Attack("dpop_without_proof", 401, "DPoP header with a proof is required", lambda t: {"Authorization": f"DPoP {t.bound()[0]}"}),
    Attack("dpop_other_method", 401, "does not match", lambda t: _dpop(htm="PATCH" if t.method != "PATCH" else "PUT")(t)),
    Attack("dpop_other_url", 401, "does not match the request URL", lambda t: _dpop(htu=t.url + "/other")(t)),
    Attack("dpop_stale", 401, "stale (iat too old)", lambda t: _dpop(iat=_now() - 600)(t)),
    Attack("dpop_from_the_future", 401, "issued in the future", lambda t: _dpop(iat=_now() + 600)(t)),
    Attack("dpop_replayed", 401, "used before (replay)", _dpop(), replay=True),
    Attack("dpop_signed_by_another_key", 401, "cnf.jkt", _dpop_with_headers(lambda t, token, key: t.present(token, new_key()))),
    Attack(
        "dpop_wrong_ath",
        401,
        "ath does not match",
        _dpop_with_headers(lambda t, token, key: t.present(token, key, ath=access_token_hash(token + "x"))),
    ),
    Attack("dpop_typ_jwt", 401, "typ must be dpop+jwt", _dpop(header={"typ": "JWT"})),
    Attack(
        "dpop_private_jwk",
        401,
        "must carry the public key",
        _dpop_with_headers(lambda t, token, key: t.present(token, key, header={"jwk": key.as_dict(private=True)})),
    ),
    Attack("bearer_token_with_dpop_scheme", 401, "not DPoP-bound", lambda t: t.present(forge(t.app, t.claims()), new_key())),
    Attack(
        "bearer_token_where_dpop_is_required",
        401,
        "requires a DPoP-bound token",
        lambda t: t.present(forge(t.app, t.claims())),
        dpop_only=True,
    ),
    # scope
    Attack("missing_scope", 403, "", lambda t: t.good(scope=[t.other_scope])),
]
