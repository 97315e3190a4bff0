"""The synthetic national registries the APIs stand on (SPEC section 7): population, representation, HPR, organisations.

Reads: ``service``. Test-data changes with their rules: ``admin``. Data: ``tables``. No family is imported here.
"""
