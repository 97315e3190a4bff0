"""Secrets at rest: scrypt hashes, and the in-process memory of secrets that verified."""

from __future__ import annotations

import hashlib

import pytest

from helsebro.auth import passwords


@pytest.fixture()
def scrypt_calls(monkeypatch):
    calls = []
    real = hashlib.scrypt

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(passwords.hashlib, "scrypt", counting)
    return calls


def test_a_hash_verifies_its_secret_only():
    stored = passwords.hash_secret("riktig")
    assert stored.startswith("scrypt$") and "riktig" not in stored
    assert passwords.verify_secret("riktig", stored)
    assert not passwords.verify_secret("feil", stored)
    assert not passwords.verify_secret("riktig", None)
    assert not passwords.verify_secret("riktig", "plain-text")


def test_two_hashes_of_one_secret_differ_by_salt():
    assert passwords.hash_secret("same") != passwords.hash_secret("same")


def test_a_good_secret_pays_scrypt_once_per_stored_hash(scrypt_calls):
    stored = passwords.hash_secret("hemmelig-1")
    scrypt_calls.clear()
    for _ in range(5):
        assert passwords.verify_secret("hemmelig-1", stored)
    assert len(scrypt_calls) == 1
    rotated = passwords.hash_secret("hemmelig-1")  # a new stored hash (say, the secret was set again)
    scrypt_calls.clear()
    assert passwords.verify_secret("hemmelig-1", rotated)
    assert len(scrypt_calls) == 1


def test_every_wrong_guess_pays_scrypt(scrypt_calls):
    stored = passwords.hash_secret("hemmelig-2")
    assert passwords.verify_secret("hemmelig-2", stored)
    scrypt_calls.clear()
    for _ in range(3):
        assert not passwords.verify_secret("gjetning", stored)
    assert len(scrypt_calls) == 3


def test_a_remembered_secret_does_not_open_another_hash():
    first, second = passwords.hash_secret("a"), passwords.hash_secret("b")
    assert passwords.verify_secret("a", first)
    assert not passwords.verify_secret("a", second)


def test_memory_is_bounded(monkeypatch):
    monkeypatch.setattr(passwords, "_VERIFIED_MAX", 3)
    monkeypatch.setattr(passwords, "_verified", {})
    stored = [passwords.hash_secret(f"s{i}") for i in range(5)]
    for i, hashed in enumerate(stored):
        assert passwords.verify_secret(f"s{i}", hashed)
    assert len(passwords._verified) == 3


def test_no_stored_hash_costs_a_scrypt_too(scrypt_calls):
    passwords.verify_secret("warm-up", None)  # the decoy hash is made once per process
    scrypt_calls.clear()
    assert not passwords.verify_secret("riktig", None)
    assert not passwords.verify_secret("riktig", "plain-text")
    assert len(scrypt_calls) == 2


@pytest.mark.parametrize("who", ["unknown", "disabled", "key_only", "wrong_secret"])
def test_token_endpoint_refusals_all_cost_one_scrypt(scrypt_calls, who):
    """An unknown client, a disabled one or one without a secret takes as long as a wrong secret: the time of
    a refusal must not tell an attacker which client ids exist."""
    from helsebro.auth import client_auth
    from helsebro.auth.clients import ApiClient
    from helsebro.errors import OAuthError

    clients = {
        "disabled": ApiClient("disabled", "d", "910000047", ("x",), secret_hash=passwords.hash_secret("s"), enabled=False),
        "key_only": ApiClient("key_only", "k", "910000047", ("x",)),
        "wrong_secret": ApiClient("wrong_secret", "w", "910000047", ("x",), secret_hash=passwords.hash_secret("s")),
    }
    passwords.verify_secret("warm-up", None)
    scrypt_calls.clear()
    with pytest.raises(OAuthError) as refused:
        client_auth.authenticate(
            {"client_id": who, "client_secret": "gjetning"},
            None,
            lookup=clients.get,
            accepted_audiences=set(),
            now=0,
            max_lifetime=60,
            skew=0,
            replay=None,  # type: ignore[arg-type]
            allow_secrets=True,
        )
    assert refused.value.error == "invalid_client"
    assert len(scrypt_calls) == 1
