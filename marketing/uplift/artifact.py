"""A fitted uplift model as one portable file: weighted boosters over named features.

Every learner of :mod:`marketing.uplift.learners` predicts uplift as a weighted
sum of booster predictions: the X-learner ``g * tau_0(x) + (1 - g) * tau_1(x)``,
the T-learner ``mu_1(x) - mu_0(x)``. :class:`UpliftArtifact` keeps exactly
that — the feature names in the model's order, and ``(weight, booster bytes)``
terms — so the batch layer can score it anywhere (``Booster.inplace_predict``
per term, no learner object needed) and the registry can digest one file.

>>> import numpy as np
>>> from marketing.uplift.learners import XLearnerUplift, BoosterSettings
>>> rng = np.random.default_rng(0)
>>> x, t = rng.random((200, 2)), np.tile([0, 1], 100)
>>> y = (rng.random(200) < 0.2 + 0.3 * t * (x[:, 0] > 0.5)).astype(float)
>>> learner = XLearnerUplift(settings=BoosterSettings(n_estimators=5)).fit(x, t, y)
>>> artifact = UpliftArtifact.from_learner(learner, features=("a", "b"))
>>> again = UpliftArtifact.from_bytes(artifact.to_bytes())
>>> bool(np.allclose(again.predict(x), learner.predict_uplift(x), atol=1e-6))
True
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import xgboost as xgb

from marketing.uplift.learners import TwoModelUplift, XLearnerUplift

__all__ = ["LearnerKind", "UpliftArtifact"]

LearnerKind = Literal["x_learner", "t_learner"]
_FORMAT = "clarion-uplift/1"


def _raw(booster: xgb.Booster | None) -> bytes:
    if booster is None:
        raise ValueError("fit the learner before saving it")
    return bytes(booster.save_raw("ubj"))


@dataclass(frozen=True, slots=True, kw_only=True)
class UpliftArtifact:
    """``uplift(x) = sum(weight * booster.predict(x[features]))``.

    Attributes:
        learner: Which meta-learner produced the terms.
        features: Input columns, in the boosters' order.
        terms: ``(weight, UBJSON booster)`` pairs.
    """

    learner: LearnerKind
    features: tuple[str, ...]
    terms: tuple[tuple[float, bytes], ...]

    @classmethod
    def from_learner(
        cls, learner: XLearnerUplift | TwoModelUplift, *, features: tuple[str, ...]
    ) -> UpliftArtifact:
        """Freeze a fitted learner (its boosters are read, not refitted)."""
        if isinstance(learner, XLearnerUplift):
            g = learner.treated_fraction
            return cls(
                learner="x_learner",
                features=features,
                terms=(
                    (g, _raw(learner._effect_control)),
                    (1.0 - g, _raw(learner._effect_treated)),
                ),
            )
        return cls(
            learner="t_learner",
            features=features,
            terms=((1.0, _raw(learner._treated)), (-1.0, _raw(learner._control))),
        )

    def to_bytes(self) -> bytes:
        """The artifact as one JSON document (boosters base64-encoded)."""
        document = {
            "format": _FORMAT,
            "learner": self.learner,
            "features": list(self.features),
            "terms": [
                {"weight": weight, "booster": base64.b64encode(raw).decode("ascii")}
                for weight, raw in self.terms
            ],
        }
        return json.dumps(document, sort_keys=True).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> UpliftArtifact:
        """Read what :meth:`to_bytes` wrote."""
        document: dict[str, Any] = json.loads(data)
        if document.get("format") != _FORMAT:
            raise ValueError(f"not an uplift model file (format {document.get('format')!r})")
        return cls(
            learner=document["learner"],
            features=tuple(document["features"]),
            terms=tuple(
                (float(t["weight"]), base64.b64decode(t["booster"])) for t in document["terms"]
            ),
        )

    @property
    def digest(self) -> str:
        """SHA-256 of :meth:`to_bytes`: the same fit gives the same digest."""
        return hashlib.sha256(self.to_bytes()).hexdigest()

    def boosters(self, *, nthread: int = 1) -> list[tuple[float, xgb.Booster]]:
        """The terms loaded as boosters (load once, predict many batches)."""
        loaded = []
        for weight, raw in self.terms:
            booster = xgb.Booster(params={"nthread": nthread})
            booster.load_model(bytearray(raw))
            loaded.append((weight, booster))
        return loaded

    def predict(
        self,
        matrix: npt.ArrayLike,
        *,
        boosters: list[tuple[float, xgb.Booster]] | None = None,
    ) -> npt.NDArray[np.float64]:
        """Predicted uplift of each row of ``matrix`` (columns in :attr:`features` order)."""
        x = np.asarray(matrix, dtype=np.float32)
        total = np.zeros(len(x), dtype=np.float64)
        for weight, booster in boosters or self.boosters():
            total += weight * np.asarray(booster.inplace_predict(x), dtype=np.float64)
        return total
