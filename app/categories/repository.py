"""SQL for the taxonomy."""

from sqlmodel import Session, select

from app.categories.models import Category


def all_categories(session: Session) -> list[Category]:
    return list(session.exec(select(Category).order_by(Category.position)))
