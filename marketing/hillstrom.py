"""Kevin Hillstrom's 2008 randomized e-mail experiment as Clarion outcomes and features.

64,000 customers split at random into "Mens E-Mail", "Womens E-Mail" and
"No E-Mail" (the control), outcomes tracked for two weeks. See
``data/hillstrom/README.md``. Variants become ``mens``, ``womens`` and the
control ``no_email``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from marketing.exceptions import DatasetIntegrityError, OutcomesFrameError

__all__ = [
    "CONTROL",
    "DEFAULT_HILLSTROM_PATH",
    "HILLSTROM_SHA256",
    "HillstromOutcome",
    "HillstromTreatment",
    "hillstrom_campaign_run",
    "hillstrom_features",
    "hillstrom_outcomes",
    "hillstrom_uplift_data",
    "load_hillstrom",
]

HILLSTROM_SHA256 = "ff9e59285e9dc3f5fa3e0975419e6631ea5bdccd65d818991473d2367e02979c"
DEFAULT_HILLSTROM_PATH = (
    Path(__file__).resolve().parents[1] / "data" / "hillstrom" / "hillstrom.csv"
)
CONTROL = "no_email"
VARIANTS = {"Mens E-Mail": "mens", "Womens E-Mail": "womens", "No E-Mail": CONTROL}
ZIP_CODES = ("Urban", "Suburban", "Rural")
CHANNELS = ("Phone", "Web", "Multichannel")
_ZIP_SPELLINGS = {
    "Urban": "Urban",
    "Surburban": "Suburban",
    "Suburban": "Suburban",
    "Rural": "Rural",
}
_OUTCOME_COLUMNS = {"visit": "visit", "conversion": "conversion", "spend": "spend"}

HillstromTreatment = Literal["mens", "womens", "any_email"]
HillstromOutcome = Literal["visit", "conversion", "spend"]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_hillstrom(path: Path | str | None = None, *, verify_checksum: bool = True) -> pd.DataFrame:
    """Read the Hillstrom CSV, checked against its published sha256.

    Args:
        path: The CSV; defaults to the repository's ``data/hillstrom/hillstrom.csv``.
        verify_checksum: Refuse a file whose sha256 differs from
            :data:`HILLSTROM_SHA256`. Turn off only for deliberate test fixtures.

    Returns:
        The 64,000 rows with the file's columns, except that ``zip_code`` is a
        clean categorical (``Urban``, ``Suburban``, ``Rural``) and the file's
        value (``Surburban`` sic) is kept in ``zip_code_raw``.

    Raises:
        DatasetIntegrityError: The file is missing, its checksum differs, or it
            holds a zip code or arm this module does not know.
    """
    csv = Path(path) if path is not None else DEFAULT_HILLSTROM_PATH
    if not csv.is_file():
        raise DatasetIntegrityError(
            f"Hillstrom data not found at {csv}; restore data/hillstrom/hillstrom.csv "
            "from the repository or pass path=<the CSV>"
        )
    if verify_checksum and (actual := _sha256(csv)) != HILLSTROM_SHA256:
        raise DatasetIntegrityError(
            f"{csv} has sha256 {actual}, expected {HILLSTROM_SHA256}: it is not the "
            "published Hillstrom file; restore it (see data/hillstrom/README.md)"
        )
    frame = pd.read_csv(csv)
    unknown_zip = set(frame["zip_code"].unique()) - set(_ZIP_SPELLINGS)
    unknown_arm = set(frame["segment"].unique()) - set(VARIANTS)
    if unknown_zip or unknown_arm:
        raise DatasetIntegrityError(
            f"{csv} holds unknown zip codes {sorted(unknown_zip)} or arms {sorted(unknown_arm)}"
        )
    frame["zip_code_raw"] = frame["zip_code"]
    frame["zip_code"] = pd.Categorical(frame["zip_code"].map(_ZIP_SPELLINGS), categories=ZIP_CODES)
    return frame


def hillstrom_outcomes(frame: pd.DataFrame) -> pd.DataFrame:
    """Map loaded Hillstrom rows to an outcomes frame for :mod:`marketing.measurement`.

    Returns:
        ``recipient_id`` (the row number), ``variant`` (``mens``, ``womens``,
        ``no_email``), ``is_holdout``, ``visited``, ``converted``, ``revenue``.
    """
    variant = frame["segment"].map(VARIANTS)
    return pd.DataFrame(
        {
            "recipient_id": np.arange(len(frame)),
            "variant": variant.to_numpy(),
            "is_holdout": (variant == CONTROL).to_numpy(),
            "visited": frame["visit"].astype("int64").to_numpy(),
            "converted": frame["conversion"].astype("int64").to_numpy(),
            "revenue": frame["spend"].astype("float64").to_numpy(),
        }
    )


def hillstrom_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Encode the pre-treatment covariates as a numeric model matrix.

    Numeric as-is: ``recency``, ``history``, ``mens``, ``womens``, ``newbie``;
    ``history_segment`` as its ordinal (the leading digit, 1-7); ``zip_code``
    and ``channel`` one-hot over fixed category lists, so every split encodes
    to the same columns.
    """
    ordinal = frame["history_segment"].astype(str).str.extract(r"^(\d+)\)", expand=False)
    if ordinal.isna().any():
        raise OutcomesFrameError("history_segment values must start with their ordinal, e.g. '2)'")
    zip_code = frame["zip_code"].astype(str).map(_ZIP_SPELLINGS)
    columns: dict[str, npt.NDArray[np.float64]] = {
        "recency": frame["recency"].to_numpy(dtype=np.float64),
        "history": frame["history"].to_numpy(dtype=np.float64),
        "history_segment": ordinal.astype(int).to_numpy(dtype=np.float64),
        "mens": frame["mens"].to_numpy(dtype=np.float64),
        "womens": frame["womens"].to_numpy(dtype=np.float64),
        "newbie": frame["newbie"].to_numpy(dtype=np.float64),
    }
    for value in ZIP_CODES:
        columns[f"zip_code_{value.lower()}"] = (zip_code == value).to_numpy(dtype=np.float64)
    for value in CHANNELS:
        columns[f"channel_{value.lower()}"] = (frame["channel"] == value).to_numpy(dtype=np.float64)
    return pd.DataFrame(columns, index=frame.index)


def hillstrom_uplift_data(
    frame: pd.DataFrame,
    *,
    treatment: HillstromTreatment = "womens",
    outcome: HillstromOutcome = "visit",
) -> tuple[pd.DataFrame, npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Features, treatment flag and outcome for an uplift model.

    Args:
        frame: Rows from :func:`load_hillstrom`.
        treatment: One e-mail arm against the control, or ``any_email`` for both
            arms pooled against the control. Rows of the other arm are dropped.
        outcome: ``visit`` or ``conversion`` (0/1) or ``spend`` (dollars).

    Returns:
        ``(features, treated, y)`` with ``treated`` 1 for e-mailed customers.
    """
    variant = frame["segment"].map(VARIANTS)
    treated_arms = {"mens", "womens"} if treatment == "any_email" else {treatment}
    keep = variant.isin(treated_arms | {CONTROL}).to_numpy()
    rows = frame.loc[keep]
    treated = variant[keep].isin(treated_arms).to_numpy(dtype=np.int64)
    y = rows[_OUTCOME_COLUMNS[outcome]].to_numpy(dtype=np.float64)
    return hillstrom_features(rows), treated, y


def hillstrom_campaign_run(
    frame: pd.DataFrame,
    *,
    run_id: str,
    sent_at: pd.Timestamp,
    campaign_id: str = "hillstrom",
    holdout: str = "holdout",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The experiment as one campaign run: its audience rows and the events it caused.

    Customers become users ``h00000``…; Mens/Womens e-mail are the variants and No
    E-Mail the holdout, all sent at ``sent_at`` (UTC). A visit becomes a
    ``page_view`` one day after the send and a conversion a ``purchase`` (with its
    spend as ``amount``) two days after, inside any attribution window of three
    days or more. The frames have the columns of ``gold.campaign_audiences`` and
    ``silver.events`` that the campaign measurement reads.
    """
    users = pd.Series([f"h{i:05d}" for i in range(len(frame))])
    arm = frame["segment"].map({**VARIANTS, "No E-Mail": holdout}).to_numpy()
    sent = pd.Timestamp(sent_at)
    sent = sent.tz_localize("UTC") if sent.tzinfo is None else sent.tz_convert("UTC")
    audience = pd.DataFrame(
        {
            "campaign_id": campaign_id,
            "run_id": run_id,
            "user_id": users,
            "variant": arm,
            "is_holdout": arm == holdout,
            "sent_at": sent,
        }
    )
    visited, bought = (frame["visit"] == 1).to_numpy(), (frame["conversion"] == 1).to_numpy()
    events = pd.concat(
        [
            pd.DataFrame(
                {"user_id": users[visited].to_numpy(), "type": "page_view",
                 "ts": sent + pd.Timedelta(days=1), "amount": float("nan")}
            ),
            pd.DataFrame(
                {"user_id": users[bought].to_numpy(), "type": "purchase",
                 "ts": sent + pd.Timedelta(days=2), "amount": frame.loc[bought, "spend"].to_numpy()}
            ),
        ],
        ignore_index=True,
    )  # fmt: skip
    for table, column in ((audience, "sent_at"), (events, "ts")):
        table[column] = table[column].astype("datetime64[us, UTC]")
    events["event_date"] = events["ts"].dt.date
    return audience, events
