"""All SQL of residents' submissions: storing them and finding one."""

import uuid

from sqlalchemy import text
from sqlmodel import Session, select

from app.submissions.models import Submission


def add(session: Session, submission: Submission) -> None:
    session.add(submission)


def get(session: Session, submission_id: uuid.UUID, lock: bool = False) -> Submission | None:
    return session.get(Submission, submission_id, with_for_update=lock, populate_existing=lock)


def move_pending(session: Session, from_id: uuid.UUID, to_id: uuid.UUID) -> int:
    """Pending submissions about one place now concern another; how many."""
    sql = "UPDATE submission SET asset_id = :to_id WHERE asset_id = :from_id AND status = 'pending'"
    return session.execute(text(sql), {"from_id": from_id, "to_id": to_id}).rowcount


def find_by_reference(session: Session, reference: str) -> Submission | None:
    return session.exec(select(Submission).where(Submission.reference == reference)).first()
