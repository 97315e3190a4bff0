"""The floor: a bare Starlette app with one hello endpoint, served exactly like helsebro."""

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route


async def hello(request):
    return JSONResponse({"hello": "world"})


app = Starlette(routes=[Route("/hello", hello)])
