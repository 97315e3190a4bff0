"""SvarUt's test data in the operator API (ours): KRR entries and SvarInn receivers.

Its own router, authorised like the rest of the operator API (an operator token; see
``helsebro.operator.routes``); included in the app next to that router.
"""

from __future__ import annotations

from fastapi import APIRouter

from helsebro.operator.routes import BASE, OperatorRoute
from helsebro.responses import JSONResponse

TAG = "Operatør: SvarUt"

router = APIRouter(prefix=BASE + "/svarut", route_class=OperatorRoute, tags=[TAG], default_response_class=JSONResponse)
