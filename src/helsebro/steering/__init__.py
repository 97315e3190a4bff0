"""Steering the test environment (ours): the movable server clock, fault injection and the request journal."""
