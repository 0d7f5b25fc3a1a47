"""The council an embed is limited to: its name and the box the map starts fitted to."""

from dataclasses import dataclass

from sqlmodel import Session

from app.areas import service as areas


@dataclass(frozen=True)
class EmbedArea:
    code: str
    name: str
    bounds: list[list[float]]  # [[south, west], [north, east]], as Leaflet's fitBounds takes it


def embed_area(session: Session, code: str) -> EmbedArea:
    """Raises NotFound for a code no loaded boundary has."""
    area = areas.get_area(session, code)
    west, south, east, north = area.bbox
    return EmbedArea(code=area.code, name=area.name, bounds=[[south, west], [north, east]])
