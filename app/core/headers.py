"""Reading the request headers that list choices with weights (Accept-Encoding, Accept-Language; RFC 9110 §12.4.2)."""


def weighted(header: str) -> list[tuple[str, float]]:
    """The header's choices in the order sent, each lower-cased with its quality (1 when none is given, 0 when the
    quality cannot be read)."""
    choices = []
    for part in header.lower().split(","):
        choice, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if choice.strip():
            choices.append((choice.strip(), quality))
    return choices
