"""Where Airflow lives for Clarion, and how that home is made ready.

Airflow reads its configuration once, when ``airflow`` is first imported, so a
process that runs Airflow must have :meth:`AirflowHome.environ` in its
environment before that import (the fixtures, bin scripts and
``clarion airflow env`` all do this).
"""

from clarion.orchestration._airflow_home import AirflowHome, airflow_home, prepare_airflow_home
from clarion.orchestration.exceptions import OrchestrationError

__all__ = ["AirflowHome", "OrchestrationError", "airflow_home", "prepare_airflow_home"]
