"""The interactive API documentation (/docs), served with the app's own copy of Swagger UI instead of a CDN's.

FastAPI's page has one inline script; it gets this request's CSP nonce like every other page. Swagger UI and the
OpenAPI descriptions are in English only, so the page says it is English whatever language the site is shown in.
"""

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from app.i18n.locales import HTML_LANG
from app.web.security import csp_nonce

SWAGGER = "/static/vendor/swagger-ui"
ENGLISH = HTML_LANG["en"]

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def api_docs(request: Request) -> HTMLResponse:
    page = get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title}: API documentation",
        swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER}/swagger-ui.css",
        swagger_favicon_url=f"{SWAGGER}/favicon-32x32.png",
    )
    html = bytes(page.body).decode().replace("<script>", f'<script nonce="{csp_nonce(request)}">')
    html = html.replace("<html>", f'<html lang="{ENGLISH}">', 1)
    return HTMLResponse(html)  # Content-Language: the middleware's (core/paths.py ENGLISH_ONLY_PREFIXES)
