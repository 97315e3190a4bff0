"""Helsenorge Verktøy API: the Verktøykatalog, sending a tool to a citizen, guidance services (seed 000, SPEC section 2).

HTTP: ``routes`` (under /verktoy). Rules, no HTTP: ``service`` (catalog filters, paging, search), ``sending``
(a tool sent as a task), ``tasks`` (the citizen's side), ``guidance``, ``behandler``, ``errors`` (PVS- codes).
Data: ``tables``, ``store`` (writing the catalog), ``catalog`` (the catalog held in memory).
"""
