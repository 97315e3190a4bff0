"""Server-rendered pages (Jinja2, no JavaScript needed): the citizen's and the operator's.

Citizen: ``citizen`` (tasks, letters, privacy settings). Operator: ``operator`` (read-only views), ``operator_clock``,
``operator_views`` (the queries), ``operator_session`` (sign-in, CSRF). Shared: ``templating``, ``signed_cookies``.
"""
