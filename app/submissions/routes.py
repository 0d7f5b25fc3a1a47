"""The submissions API: residents send submissions and follow them (the moderators' side: app/moderation/routes.py)."""

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute

from app.core.deps import SessionDep, SettingsDep
from app.i18n import gettext as _
from app.submissions import service
from app.submissions.models import SubmissionKind, SubmissionStatus
from app.submissions.schemas import SubmissionIn, SubmissionReceived, SubmissionStatusOut
from app.web.ratelimit import RateLimited, client_address


class _UntaggedErrors(APIRoute):
    """Reports `place.name`, not `new.place.name`: pydantic puts the union's `kind` tag in each error's location."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        kinds = {k.value for k in SubmissionKind}

        async def untagged(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                errors = [
                    {**e, "loc": tuple(p for i, p in enumerate(e["loc"]) if not (i == 1 and p in kinds))}
                    for e in exc.errors()
                ]
                raise RequestValidationError(errors) from None

        return untagged


public = APIRouter(prefix="/api/v1/submissions", tags=["submissions"], route_class=_UntaggedErrors)


@public.post(
    "",
    status_code=202,
    response_model=SubmissionReceived,
    summary="Suggest a new place, a change, or report a problem",
    description=(
        "Nothing is published until a moderator approves it. `kind` is `new` (with a `place`), `edit` (with "
        "`asset_id` and the `changes`) or `report` (with `asset_id` and a `reason`). The optional `submitter` "
        "details are private. Each client may send `SUBMISSION_RATE_LIMIT` submissions per window (429 with "
        "`Retry-After` beyond that). A position (`lat`/`lon`) more than `PIN_MAX_DISTANCE_M` (2 km by default) from "
        "the centre of the postcode (the one sent, or for an `edit` the place's own) is refused with 422 naming the "
        "distance, unless `position_confirmed` is true."
    ),
    responses={
        404: {"description": "Unknown asset or postcode"},
        422: {"description": "Invalid fields, or a position far from its postcode that is not confirmed"},
        429: {"description": "Too many submissions"},
    },
)
def create_submission(
    request: Request, session: SessionDep, settings: SettingsDep, data: Annotated[SubmissionIn, Body()]
) -> SubmissionReceived:
    try:
        submission = service.submit(session, data, client_address(request), settings)
    except RateLimited as limited:
        raise HTTPException(429, limited.message, headers={"Retry-After": str(limited.retry_after)}) from None
    return SubmissionReceived(
        reference=submission.reference,
        kind=SubmissionKind(submission.kind),
        status=SubmissionStatus(submission.status),
        status_url=f"/api/v1/submissions/{submission.reference}/status",
        message=_("Thank you. A moderator will check this before it appears on the map."),
    )


@public.get(
    "/{reference}/status",
    response_model=SubmissionStatusOut,
    summary="Where a submission has got to",
    description="Anyone with the reference sees the status and the outcome; never who sent it.",
    responses={404: {"description": "Unknown reference"}},
)
def submission_status(session: SessionDep, reference: str) -> SubmissionStatusOut:
    return service.get_status(session, reference[:20])
