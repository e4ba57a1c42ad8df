"""Errors of Clarion's orchestration set-up."""

from clarion.exceptions import ClarionError

__all__ = ["OrchestrationError"]


class OrchestrationError(ClarionError):
    """Airflow's home cannot be prepared (its database migration failed, say); see the log named."""
