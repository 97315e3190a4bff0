"""The token services and the guard: HelseID, Maskinporten and the Helsenorge citizen login, and checking tokens.

HTTP: ``helseid_routes``, ``maskinporten_routes``, ``citizen_routes``, ``token_http``. One token endpoint:
``token_endpoint`` (form parsing), ``client_auth``, ``grants``, ``minting``, ``user_tokens``. Checking tokens:
``guard``, ``access`` (each route's declared requirement), ``dpop``, ``jwts``, ``replay``, ``inspection``.
Data: ``tables``, ``clients``, ``keys``, ``certificates``, ``certificate_registry``, ``local_ca``.
"""
