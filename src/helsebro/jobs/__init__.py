"""Background jobs: the outbox table, claiming due jobs (per dialect), and the worker loop that runs them.

Work is written to the outbox in the same transaction as the business change that causes it, so nothing is
lost or sent twice. Which function runs a job of a given kind each family registers (``Family.job_handlers``); this package knows
no family's rules.
"""
