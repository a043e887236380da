"""The privacy statement at ``/privacy``, and the page layout the advisers' pages share.

It says what is stored, why, how long, who receives it, and how to have it erased. The retention
period shown is the one ``privacy purge`` uses.
"""
from __future__ import annotations

from html import escape
from pathlib import Path
from string import Template

from aiohttp import web

from wegwijzer.settings import retention_days
from wegwijzer.texts import fill_contact

TEMPLATES = Path(__file__).parent / "templates"
SECURITY_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                               "frame-ancestors 'none'; base-uri 'none'",
                    "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"}


def page_template(name: str) -> Template:
    """A page template with the province's contact details filled in."""
    return Template(fill_contact((TEMPLATES / name).read_text(encoding="utf-8")))


def render_page(title: str, body_html: str) -> str:
    """The shared page layout; ``title`` is escaped here, ``body_html`` must be escaped by the caller."""
    return page_template("page.html").substitute(title=escape(title), body=body_html)


def html_response(title: str, body_html: str, status: int = 200, extra_headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(text=render_page(title, body_html), status=status, content_type="text/html", charset="utf-8",
                        headers={**SECURITY_HEADERS, **(extra_headers or {})})


def privacy_statement() -> str:
    body = page_template("privacy.html").substitute(retention_days=retention_days())
    return render_page("Privacy bij Wegwijzer", body)


async def privacy_page(_request: web.Request) -> web.Response:
    return web.Response(text=privacy_statement(), content_type="text/html", charset="utf-8", headers=SECURITY_HEADERS)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/privacy", privacy_page)
