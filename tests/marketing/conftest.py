"""The Hillstrom experiment, loaded (and checksum-verified) once per session."""

from __future__ import annotations

import pandas as pd
import pytest

from marketing.hillstrom import load_hillstrom


@pytest.fixture(scope="session")
def hillstrom() -> pd.DataFrame:
    return load_hillstrom()
