"""Campaigns as code: the campaign schema, audience assignment, measurement and uplift."""

__all__: list[str] = []
