"""The speed layer: real-time features and triggered alerts from Kafka."""

__all__: list[str] = []
