"""KS Fiks SvarUt: letters sent through REST v3 and v2, delivered by workers, read by citizens (seed 004, SPEC section 6).

HTTP: ``routes`` (v3), ``routes_v2`` (v2), ``operator_routes`` (test data in the operator API); wire formats in
``schemas``, ``schemas_v2``, ``operator_schemas``. Rules, no database: ``validation``, ``validation_v2``,
``multipart`` (streamed bodies), ``errors``. Rules over the database: ``receiving`` (a send), ``letters``,
``letters_v2``, ``recipients`` (channel by the registries), ``delivery`` (the worker's steps), ``status``,
``events``, ``signing``, ``accounts``, ``receiving_systems``. Data: ``tables``, ``blobs`` (files). Test data:
``testdata``, ``testdata_admin``.
"""
