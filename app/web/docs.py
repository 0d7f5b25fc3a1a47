"""The interactive API documentation (/docs), served with the app's own copy of Swagger UI instead of a CDN's.

FastAPI's page has one inline script; it gets this request's CSP nonce like every other page.
"""

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from app.web.security import csp_nonce

SWAGGER = "/static/vendor/swagger-ui"

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
    return HTMLResponse(html)
