"""A trainer is made by a named constructor: new, resume or continued; ``Trainer(...)`` itself is refused."""

from __future__ import annotations

import numpy as np
import pytest

from mlp_gui.core.config import TrainConfig
from mlp_gui.core.trainer import Trainer


def test_calling_the_class_is_refused_with_the_constructors_named():
    with pytest.raises(TypeError, match=r"Trainer\.new\(config\)"):
        Trainer(TrainConfig())


def test_new_and_continued_from_the_same_start_train_alike():
    config = TrainConfig()
    fresh = Trainer.new(config)
    again = Trainer.continued(config, layers=fresh.layers, data=fresh.data)
    fresh.step(50)
    again.step(50)
    assert np.array_equal(fresh.loss_history, again.loss_history)
