"""Server-rendered pages (Jinja2): no build step, Norwegian text, plain HTML forms that work without JS."""

from __future__ import annotations

from pathlib import Path

from starlette.templating import Jinja2Templates

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
