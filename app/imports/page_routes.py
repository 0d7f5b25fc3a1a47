"""The import page under /moderate (docs/imports.md, "From the browser"): upload a CSV or GeoJSON file, check the
suggested mapping against a preview of the first rows, dry-run it, import it. Admins import anywhere; a moderator
limited to council areas imports only the rows inside them (the others are reported as skipped)."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from app.accounts.deps import ModeratorPage
from app.core.deps import app_settings
from app.core.errors import AppError
from app.i18n import gettext as _
from app.imports import uploads
from app.imports.runner import describe_counts
from app.web.browser import FormDep, PageError, render

router = APIRouter(include_in_schema=False)


@router.get("/moderate/imports")
def upload_page(request: Request, actor: ModeratorPage) -> HTMLResponse:
    return render(request, "imports/upload.html", {"saved": uploads.saved_mappings()})


@router.post("/moderate/imports")
async def upload_file(request: Request, actor: ModeratorPage, form: FormDep) -> HTMLResponse:
    sent = form.get("file")
    if not isinstance(sent, UploadFile) or not sent.filename:
        error = _("Choose a CSV or GeoJSON file to upload.")
        return render(request, "imports/upload.html", {"error": error, "saved": uploads.saved_mappings()}, 422)
    data = await sent.read(limit + 1) if (limit := app_settings(request).import_upload_max_bytes) else b""
    if len(data) > limit:
        error = _(
            "%(name)s is larger than %(limit)s MB, the most the import page takes. Split it into smaller files, or "
            "ask an admin to import it with assetmap import."
        ) % {"name": sent.filename, "limit": f"{limit / 1_000_000:g}"}
        return render(request, "imports/upload.html", {"error": error, "saved": uploads.saved_mappings()}, 413)
    try:
        upload, mapping = uploads.save(sent.filename, data, str(form.get("saved") or "") or None)
        rows = uploads.preview(upload, mapping, actor.areas)
    except AppError as exc:
        return render(request, "imports/upload.html", {"error": exc.message, "saved": uploads.saved_mappings()}, 422)
    return render(request, "imports/mapping.html", {"upload": upload, "mapping": mapping, "rows": rows})


@router.post("/moderate/imports/{token}")
def check_or_import(request: Request, token: str, actor: ModeratorPage, form: FormDep) -> Response:
    """`action`: preview (the first rows with this mapping), dry_run, or import."""
    upload = uploads.find(token, str(form.get("name") or ""))
    if upload is None:
        raise PageError(404, _("Not found"), _("This upload is no longer here: it was imported, or it expired. Upload the file again."))
    mapping = str(form.get("mapping") or "")
    action = form.get("action")
    context: dict = {"upload": upload, "mapping": mapping}
    try:
        if action == "import":
            uploads.start(upload, mapping, actor)
            return RedirectResponse(f"/moderate/imports/{upload.token}/progress", status_code=303)
        if action == "dry_run":
            run = uploads.run(upload, mapping, dry_run=True, actor=actor)
            context |= {"run": run, "counts": describe_counts(run.counts)}
        context["rows"] = uploads.preview(upload, mapping, actor.areas)
    except AppError as exc:
        context["error"] = exc.message
        return render(request, "imports/mapping.html", context, 422)
    return render(request, "imports/mapping.html", context)


@router.get("/moderate/imports/{token}/progress")
def import_progress(request: Request, token: str, actor: ModeratorPage) -> HTMLResponse:
    """How far the import has got (the page reloads itself), then its report."""
    progress = uploads.progress_of(token, actor)
    if progress is None:
        raise PageError(404, _("Not found"), _("There is no import of yours to follow here."))
    if not progress.finished:
        return render(request, "imports/progress.html", {"upload": progress.upload, "progress": progress})
    context: dict = {"upload": progress.upload, "done": True, "error": progress.error}
    if progress.run is not None:
        context |= {"run": progress.run, "counts": describe_counts(progress.run.counts)}
    return render(request, "imports/mapping.html", context)
