"""The token services as families of their own: HelseID, Maskinporten and the Helsenorge citizen login."""

from __future__ import annotations

from helsebro import formats
from helsebro.auth import citizen_routes, helseid_login_routes, helseid_routes, login_tables, maskinporten_routes, tables
from helsebro.auth.issuers import HELSEID, HELSENORGE_LOGIN, MASKINPORTEN
from helsebro.family import Family

HELSEID_FAMILY = Family(
    name="helseid",
    port_name="helseid",
    title="HelseID",
    prefixes=(HELSEID.base_path,),
    own_port_strip=HELSEID.base_path,
    issuer=HELSEID.name,
    errors=formats.OAUTH,
    error_redirect=helseid_login_routes.fault_redirect,
    routers=(helseid_routes.router, helseid_login_routes.router),
    # The professional login's state, children first; emptied with the data (a reset logs everyone out).
    tables=(
        login_tables.refresh_tokens,
        login_tables.refresh_families,
        login_tables.login_codes,
        login_tables.login_sessions,
        login_tables.login_requests,
    ),
    kept_tables=(tables.signing_keys, tables.server_secrets, tables.authorization_codes),
)
MASKINPORTEN_FAMILY = Family(
    name="maskinporten",
    port_name="maskinporten",
    title="Maskinporten",
    prefixes=(MASKINPORTEN.base_path,),
    own_port_strip=MASKINPORTEN.base_path,
    issuer=MASKINPORTEN.name,
    errors=formats.OAUTH,
    routers=(maskinporten_routes.router,),
)
HELSENORGE_LOGIN_FAMILY = Family(
    name="helsenorge-login",
    port_name="helsenorge-login",
    title="Helsenorge innlogging",
    prefixes=(HELSENORGE_LOGIN.base_path,),
    own_port_strip=HELSENORGE_LOGIN.base_path,
    issuer=HELSENORGE_LOGIN.name,
    errors=formats.OAUTH,
    error_redirect=citizen_routes.fault_redirect,
    routers=(citizen_routes.router,),
)
