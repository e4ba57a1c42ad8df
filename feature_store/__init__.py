"""Feature declarations shared by the batch layer, the speed layer and serving."""

__all__: list[str] = []
