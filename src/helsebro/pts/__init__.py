"""NHN PTS, access restrictions for patient safety and patient privacy (seed 002, SPEC section 5).

HTTP: ``routes`` (the API under /pts), ``guarded_route`` (token, DPoP and audit around every route),
``operator_routes`` (the audit and a reset in the operator API), ``schemas`` (OpenAPI only).
Rules, no database: ``values``, ``versions``, ``safety_rules``, ``privacy_rules``, ``access_rules``, ``errors``.
Data: ``tables``, ``records``, ``safety``, ``privacy``, ``service`` (across both areas), ``audit``,
``rendering`` (the wire format). Test data: ``testdata`` and its reset ``schedule``.
"""
