"""The notebook's printout under Adam with an L2 penalty: ``--notebook`` prints the notebook's format, the numbers
being this run's (the gradients of the data loss at epoch 0, then the data loss at the printed epochs)."""

from mlp_gui.cli import main
from mlp_gui.core import TrainConfig, Trainer, notebook
from tests import lent_window as lending
from tests import window_reuse

reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window


def test_adam_with_l2_prints_the_notebooks_format(capsys):
    assert main(["train", "--notebook", "--no-progress", "--optimizer", "adam", "--l2", "0.01", "--epochs", "12"]) == 0
    out = capsys.readouterr().out
    trainer = Trainer.new(TrainConfig(optimizer="adam", l2=0.01))
    expected = notebook.initial_report(trainer.loss, trainer.flat_grads)
    trainer.step(12)
    expected += notebook.training_report(trainer.loss_history, 12)
    assert out == expected
    assert out.startswith("Question 1: Loss of the forward Pass: ") and "w1_gradient: [[" in out
    assert "Loss after 3 epochs: " in out and out.endswith(f"Loss after 12 epochs: {float(trainer.loss_history[12])} \n\n")
    plain = Trainer.new(TrainConfig())
    plain.step(12)
    assert f"Loss after 12 epochs: {float(plain.loss_history[12])} " not in out  # Adam's run, not plain descent's


def test_the_window_pane_prints_the_same_for_adam(lent_window, qtbot):
    config = TrainConfig(optimizer="adam", l2=0.01)
    lent_window.session.new_run(config, 3)
    qtbot.waitUntil(lambda: lent_window.session.config == config, timeout=20_000)
    lent_window.session.step(3)
    pane = lent_window.view("notebook")
    trainer = Trainer.new(config)
    expected = notebook.initial_report(trainer.loss, trainer.flat_grads)
    trainer.step(3)
    qtbot.waitUntil(lambda: "Loss after 3 epochs" in pane.text.toPlainText(), timeout=20_000)
    text = pane.text.toPlainText()
    assert text.startswith(expected.rstrip("\n").split("\n")[0])
    assert f"Loss after 3 epochs: {float(trainer.loss_history[3])}" in text
