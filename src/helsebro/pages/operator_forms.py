"""What the operator's forms share: a refusal with the operator API's message and status, a form checked by one
of the API's request models, and a use case run with its refusals turned into a page's message."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from helsebro.errors import HelsenorgeError
from helsebro.operator import errors


class Refused(Exception):
    """A form the rules refuse: the message and the status the operator API would answer."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


def checked(model: type[BaseModel], data: dict[str, Any], *, keep_none: bool = False) -> Any:
    """The form as the API's request model, refused with the API's message; a None is left out (not given)
    unless ``keep_none`` (then it is the API's null)."""
    try:
        return model.model_validate(data if keep_none else {k: v for k, v in data.items() if v is not None})
    except ValidationError as exc:
        raise Refused(errors.invalid_request(exc.errors()).message) from None


async def call(function: Any, *args: Any) -> Any:
    """A blocking use case in the thread pool; its refusal (the API's error) as ``Refused``."""
    try:
        return await run_in_threadpool(function, *args)
    except HelsenorgeError as exc:
        raise Refused(exc.message, exc.status) from None


def blank(value: str) -> str | None:
    """An empty field is not given."""
    return value.strip() or None
