"""The accessibility statement (toegankelijkheidsverklaring) at ``/toegankelijkheid``.

Dutch government sites publish one (Besluit digitale toegankelijkheid overheid, model of DigiToegankelijk):
what has been tested, the known problems, and how to report a problem. The text is in
``templates/accessibility.html``; the province's contact details come from ``data/contact.yml``.
"""
from __future__ import annotations

from aiohttp import web

from wegwijzer.web.privacy import SECURITY_HEADERS, page_template, render_page

PATH = "/toegankelijkheid"


def accessibility_statement() -> str:
    return render_page("Toegankelijkheidsverklaring Wegwijzer", page_template("accessibility.html").substitute())


async def accessibility_page(_request: web.Request) -> web.Response:
    return web.Response(text=accessibility_statement(), content_type="text/html", charset="utf-8",
                        headers=SECURITY_HEADERS)


def add_routes(app: web.Application) -> None:
    app.router.add_get(PATH, accessibility_page)
