"""``mlp-gui train --resume`` refuses a run an earlier version trained with settings this one no longer trains
(cross-entropy on the notebook's or the sine data): one line naming the file, exit 2, the file untouched."""

import pytest

from mlp_gui.cli import main
from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.runfile import run_from_trainer, save_run


@pytest.mark.parametrize("settings", [
    dict(output="sigmoid", loss="cross-entropy"),
    dict(data="sine", layers=(1, 8, 1), output="sigmoid", loss="cross-entropy"),
], ids=["notebook", "sine"])
def test_an_earlier_versions_cross_entropy_run_is_refused_not_continued(tmp_path, capsys, settings):
    trainer = Trainer.new(TrainConfig(**settings))  # the trainer trusts its caller, as the earlier versions' settings did
    trainer.step(50)
    path = save_run(tmp_path / "earlier.npz", run_from_trainer(trainer))
    before = path.read_bytes()
    assert main(["train", "--resume", str(path), "--epochs", "10", "--no-progress"]) == 2
    out, err = capsys.readouterr()
    assert err.startswith(f"mlp-gui train: error: {path}: made by an earlier version with loss cross-entropy on data ")
    assert "it can be looked at, not continued" in err and err.count("\n") == 1 and out == ""
    assert path.read_bytes() == before
