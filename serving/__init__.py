"""The serving layer: publish, merged view, dispatcher, delivery, HTTP API."""

__all__: list[str] = []
