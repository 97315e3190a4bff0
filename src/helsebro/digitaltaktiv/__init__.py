"""Helsenorge DigitaltAktiv: the two checks (aktivsjekk) and the change feed (seed 001, SPEC section 3).

HTTP: ``routes`` (under /digitaltaktiv). Rules, no HTTP: ``service`` (the checks), ``status`` (who is active, for
many citizens at once), ``feed`` (changes since an offset), ``errors``. Data: ``tables``; ``changes`` is the one
function other families call to record that a citizen's status may have changed.
"""
