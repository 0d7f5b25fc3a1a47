"""All SQL of residents' submissions: storing them and finding one."""

import uuid

from sqlmodel import Session, select

from app.submissions.models import Submission


def add(session: Session, submission: Submission) -> None:
    session.add(submission)


def get(session: Session, submission_id: uuid.UUID, lock: bool = False) -> Submission | None:
    return session.get(Submission, submission_id, with_for_update=lock, populate_existing=lock)


def find_by_reference(session: Session, reference: str) -> Submission | None:
    return session.exec(select(Submission).where(Submission.reference == reference)).first()
