"""Helsenorge PVK, personverninnstillinger: definitions, each citizen's settings, their history (seed 003, SPEC section 4).

HTTP: ``routes`` (under /personvern), ``schemas`` (OpenAPI only). Rules, no database: ``bodies``, ``fields``,
``inputs`` (parsing a request), ``metadata``, ``errors``. Rules over the database: ``service``; ``consent`` is the
published Helsenorge consent others ask about. Data: ``tables``, ``definitions`` (as test data).
"""
