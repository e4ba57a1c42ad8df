"""An uplift model frozen to one file predicts what the fitted learner predicts."""

from __future__ import annotations

import numpy as np
import pytest

from marketing.uplift import BoosterSettings, TwoModelUplift, XLearnerUplift
from marketing.uplift.artifact import UpliftArtifact


@pytest.mark.parametrize("learner", [XLearnerUplift, TwoModelUplift])
def test_the_file_round_trips_and_predicts_like_the_learner(
    learner: type[XLearnerUplift] | type[TwoModelUplift],
) -> None:
    rng = np.random.default_rng(4)
    x = rng.random((600, 3))
    t = (rng.random(600) < 0.7).astype(int)
    y = (rng.random(600) < 0.1 + 0.3 * t * (x[:, 0] > 0.5)).astype(float)
    fitted = learner(settings=BoosterSettings(n_estimators=20)).fit(x, t, y)
    artifact = UpliftArtifact.from_learner(fitted, features=("a", "b", "c"))
    again = UpliftArtifact.from_bytes(artifact.to_bytes())
    assert again == artifact and again.digest == artifact.digest and len(again.terms) == 2
    np.testing.assert_allclose(again.predict(x), fitted.predict_uplift(x), atol=1e-6)
    weights = [w for w, _ in again.terms]
    if learner is TwoModelUplift:
        assert weights == [1.0, -1.0]  # treated model minus control model
    else:  # the blend by the treated share g: g * tau_0 + (1 - g) * tau_1
        assert weights == pytest.approx([t.mean(), 1 - t.mean()])


def test_another_file_is_refused() -> None:
    with pytest.raises(ValueError, match="not an uplift model file"):
        UpliftArtifact.from_bytes(b'{"format": "something-else"}')
