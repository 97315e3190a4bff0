"""The operator API (ours, SPEC section 7): test data, the environment file, certificates and steering over HTTP.

HTTP: ``routes``, ``environment_routes``, ``certificate_routes``, ``steering_routes``; wire format in ``schemas``.
Use cases, one transaction each: ``service`` (registry rules from ``registries.admin``). Errors: ``errors``.
"""
