"""Choosing data in the form: layer sizes fitted to it (a CSV file too), settings proposed that train it, said so."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from mlp_gui.core import TrainConfig
from mlp_gui.core.run_state import RunState
from tests import window_reuse
from tests.gui_helpers import press_start, set_settings, wait_state

# the tests share one window, a fresh run put back after each; those that need a brand-new one make their own
reused_window = window_reuse.reused_window


@pytest.fixture
def flowers(tmp_path):
    """An Iris-like file: four measurements and a species named in words (three classes)."""
    path = tmp_path / "flowers.csv"
    rng = np.random.default_rng(1)
    species = ["setosa", "versicolor", "virginica"]
    rows = [",".join(f"{v + 2 * (i % 3):.2f}" for v in rng.random(4)) + f",{species[i % 3]}" for i in range(60)]
    path.write_text("sl,sw,pl,pw,species\n" + "\n".join(rows) + "\n")
    return path


def start_enabled(window) -> bool:
    return window.run_panel.start_button.isEnabled() and window.actions["start"].isEnabled()


def test_a_csv_chosen_gets_layer_sizes_that_fit_it_and_trains(reused_window, qtbot, flowers):
    set_settings(reused_window, qtbot, data=str(flowers))
    form = reused_window.form
    assert form.edits["layers"].text() == "4,4,4,3"  # 4 inputs, one output per species
    assert (form.edits["output"].text(), form.edits["loss"].text()) == ("softmax", "cross-entropy")  # words: classes
    assert form.valid and start_enabled(reused_window)
    assert "Layer sizes set to 4,4,4,3 to fit flowers.csv" in form.note.text()
    set_settings(reused_window, qtbot, epochs=50)
    press_start(reused_window, qtbot)
    wait_state(reused_window, qtbot, RunState.FINISHED)
    assert reused_window.session.config.layers == (4, 4, 4, 3) and reused_window.session.epoch == 50


def test_layer_sizes_that_do_not_fit_the_csv_mark_the_field_and_disable_start(reused_window, qtbot, flowers):
    set_settings(reused_window, qtbot, output="softmax", loss="cross-entropy", data=str(flowers))
    form = reused_window.form
    assert form.edits["layers"].text() == "4,4,4,3" and form.valid
    set_settings(reused_window, qtbot, layers="3,4,4,2")
    assert not form.valid and not start_enabled(reused_window) and not reused_window.run_panel.step1_button.isEnabled()
    reason = "flowers.csv has 4 inputs and needs 3 outputs (3 classes, softmax output)"
    assert reason in form.edits["layers"].toolTip() and reason in form.summary.text()  # under the form, not only the status bar
    assert "border" in form.edits["layers"].styleSheet()  # red, as every invalid field
    press_start(reused_window, qtbot)
    assert reused_window.session.state is RunState.READY


def test_an_output_that_cannot_take_the_csvs_classes_is_marked_then_fitted_when_changed(reused_window, qtbot, flowers):
    """Three classes in words on the notebook's identity output: the issue's "needs 1 output(s)", only in the status bar."""
    set_settings(reused_window, qtbot, output="identity", loss="mse", data=str(flowers))  # the person's output: not proposed over
    form = reused_window.form
    assert not form.valid and not start_enabled(reused_window)
    assert "3 classes" in form.errors.get("output", "") and "choose output softmax" in form.summary.text()
    assert form.more.isVisibleTo(form)  # the output field is among the settings used less often: shown, marked
    set_settings(reused_window, qtbot, output="softmax", loss="cross-entropy")  # the output changes what fits: fitted again
    assert form.edits["layers"].text() == "4,4,4,3" and form.valid and start_enabled(reused_window)
    assert "3 classes" not in form.summary.text() + reused_window.statusBar().currentMessage()  # nothing stale


def test_choosing_a_data_set_proposes_settings_that_train_it_and_says_so(reused_window, qtbot):
    set_settings(reused_window, qtbot, data="xor")
    form = reused_window.form
    text = {name: form.edits[name].text() for name in ("layers", "activation", "output", "loss", "batch_size", "init",
                                                         "stepsize")}
    assert text == {"layers": "2,8,2", "activation": "tanh", "output": "softmax", "loss": "cross-entropy",
                    "batch_size": "all", "init": "xavier", "stepsize": "1"}
    note = form.note.text()
    assert "Proposed for xor:" in note and "batch all" in note and "init xavier" in note and "change them if you like" in note
    set_settings(reused_window, qtbot, epochs=2000)
    press_start(reused_window, qtbot)
    wait_state(reused_window, qtbot, RunState.FINISHED)
    assert reused_window.session.guard_report is None and reused_window.session.diverged_at is None
    assert float(reused_window.run_panel.accuracy.text().split("%")[0]) >= 90


def test_a_proposal_never_replaces_what_the_person_set(reused_window, qtbot):
    set_settings(reused_window, qtbot, layers="3,8,1", activation="tanh", stepsize="0.5")  # before choosing the data set
    set_settings(reused_window, qtbot, data="xor")
    form = reused_window.form
    assert form.edits["layers"].text() == "2,8,1"  # the person's network, its ends fitted to xor
    assert (form.edits["activation"].text(), form.edits["stepsize"].text()) == ("tanh", "0.5")
    assert (form.edits["batch_size"].text(), form.edits["init"].text()) == ("all", "xavier")
    assert (form.edits["output"].text(), form.edits["loss"].text()) == ("sigmoid", "cross-entropy")  # one output
    set_settings(reused_window, qtbot, batch_size=16)  # after choosing: the person's too
    set_settings(reused_window, qtbot, data="circles")
    assert form.edits["batch_size"].text() == "16" and "batch" not in form.note.text()
    assert form.edits["stepsize"].text() == "0.5"


def test_the_command_lines_settings_are_never_proposed_over(qtbot, isolated_settings):
    from mlp_gui.gui.window import MainWindow

    window = MainWindow(TrainConfig(batch_size=7, init="he"), explicit=frozenset({"batch_size", "init"}))
    qtbot.addWidget(window)
    set_settings(window, qtbot, data="spiral")
    assert (window.form.edits["batch_size"].text(), window.form.edits["init"].text()) == ("7", "he")
    assert window.form.edits["activation"].text() == "tanh"  # not given on the command line: proposed
    window.close()


def test_a_data_set_given_on_the_command_line_gets_a_proposal_too(qtbot, isolated_settings):
    """``mlp-gui --data spiral --batch-size 7``: the rest proposed for spiral, the batch size as given."""
    from mlp_gui.gui.window import MainWindow

    window = MainWindow(TrainConfig(data="spiral", batch_size=7), explicit=frozenset({"data", "batch_size"}))
    qtbot.addWidget(window)
    assert window.session.config.data == "spiral" and window.session.config.batch_size == 7
    assert (window.session.config.activation, window.session.config.init, window.session.config.layers) == (
        "tanh", "xavier", (2, 16, 16, 2))
    assert "Proposed for spiral:" in window.form.note.text() and "batch" not in window.form.note.text()
    window.close()
    script = MainWindow(TrainConfig(data="spiral"))  # a script's settings (no explicit flags): exactly as given
    qtbot.addWidget(script)
    assert script.session.config == TrainConfig(data="spiral", layers=(2, 4, 4, 2))  # only the layer ends fitted
    assert "Proposed" not in script.form.note.text()
    script.close()


def test_a_proposal_the_person_changes_leaves_the_note(reused_window, qtbot):
    set_settings(reused_window, qtbot, data="sine")
    assert "Proposed for sine:" in reused_window.form.note.text() and "batch all" in reused_window.form.note.text()
    set_settings(reused_window, qtbot, batch_size=8)
    assert "batch" not in reused_window.form.note.text()  # the note never names a value the field no longer has
    assert "Proposed for sine:" in reused_window.form.note.text()  # the rest still stand
    set_settings(reused_window, qtbot, data="notebook")
    assert "sine" not in reused_window.form.note.text()


def test_the_data_sets_list_proposes_too(reused_window, qtbot):
    combo = reused_window.form.findChild(QComboBox, "dataChoices")
    combo.setFocus()
    combo.setCurrentText("circles")
    combo.activated.emit(combo.currentIndex())  # what picking it from the list sends
    assert reused_window.form.edits["batch_size"].text() == "all" and "Proposed for circles" in reused_window.form.note.text()
    qtbot.keyClick(combo, Qt.Key.Key_Escape)


def test_layer_sizes_given_as_flags_that_do_not_fit_the_csv_are_marked_not_rewritten(qtbot, isolated_settings, flowers):
    """``mlp-gui --data flowers.csv --layers 4,4,4,2``: refused with the reason, as ``mlp-gui train`` refuses it."""
    from mlp_gui.gui.window import MainWindow

    window = MainWindow(TrainConfig(data=str(flowers), layers=(4, 4, 4, 2)), explicit=frozenset({"data", "layers"}))
    qtbot.addWidget(window)
    form = window.form
    qtbot.waitUntil(lambda: not form.reading and "layers" in form.errors, timeout=10_000)
    assert form.edits["layers"].text() == "4,4,4,2"  # as given
    assert "needs 3 outputs (3 classes, softmax output)" in form.edits["layers"].toolTip()
    assert not form.valid and not start_enabled(window)
    set_settings(window, qtbot, data="xor")  # another data set chosen in the form: its ends are fitted again
    assert form.edits["layers"].text().startswith("2,") and "layers" not in form.errors
    window.close()


def test_a_data_set_on_the_command_line_gets_epochs_and_noise_proposed(qtbot, isolated_settings):
    from mlp_gui.gui.window import MainWindow

    window = MainWindow(TrainConfig(data="spiral"), explicit=frozenset({"data"}))
    qtbot.addWidget(window)
    assert (window.form.edits["epochs"].text(), window.form.edits["noise"].text()) == ("5000", "0.05")
    assert window.session.target_epoch == 5000 and window.session.config.noise == 0.05
    assert "epochs 5000" in window.form.note.text()
    window.close()
    given = MainWindow(TrainConfig(data="xor"), explicit=frozenset({"data", "epochs"}), epochs=700)
    qtbot.addWidget(given)
    assert given.form.edits["epochs"].text() == "700"  # given as a flag: never proposed over
    given.close()


def test_a_csv_chosen_gets_batch_stepsize_init_and_epochs_proposed(reused_window, qtbot, flowers):
    set_settings(reused_window, qtbot, data=str(flowers))
    form = reused_window.form
    text = {name: form.edits[name].text() for name in ("batch_size", "init", "stepsize", "epochs", "standardize")}
    assert text == {"batch_size": "all", "init": "xavier", "stepsize": "0.5", "epochs": "1000", "standardize": "yes"}
    assert "Proposed for flowers.csv:" in form.note.text() and "stepsize 0.5" in form.note.text()


def test_restoring_the_defaults_then_choosing_the_same_data_set_proposes_for_it_again(reused_window, qtbot):
    set_settings(reused_window, qtbot, data="xor")
    assert reused_window.form.edits["layers"].text() == "2,8,2" and "Proposed for xor:" in reused_window.form.note.text()
    reused_window.restore_defaults()
    assert reused_window.form.edits["data"].text() == "notebook" and reused_window.form.edits["layers"].text() == "3,4,4,2"
    assert "Proposed for" not in reused_window.form.note.text(), "the restored notebook settings were said to be proposed"
    set_settings(reused_window, qtbot, data="xor")
    assert reused_window.form.edits["layers"].text() == "2,8,2", "xor chosen again after Restore defaults got no proposal"
    assert "Proposed for xor:" in reused_window.form.note.text()
