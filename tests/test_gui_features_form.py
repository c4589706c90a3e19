"""Features in the window's form (issue 19): the first layer size follows the features on two-input data, the data's
proposal keeps it, and features on other data mark the field with one line."""

from mlp_gui.core.run_state import RunState
from tests import lent_window as lending
from tests import window_reuse
from tests.gui_helpers import press_start, set_settings, wait_state

reused_window = window_reuse.reused_window
controls_unchanged, lent_window = lending.controls_unchanged, lending.lent_window


def test_features_set_the_first_layer_size_and_train(lent_window, qtbot):
    set_settings(lent_window, qtbot, data="xor")
    form = lent_window.form
    set_settings(lent_window, qtbot, features="x1sq,x2sq,x1x2")
    assert form.edits["layers"].text().startswith("3,") and form.valid
    set_settings(lent_window, qtbot, data="bumps")  # another two-input set: the features stay, and the first size with them
    assert form.edits["layers"].text() == "3,16,16,1" and form.valid
    set_settings(lent_window, qtbot, epochs=20)
    press_start(lent_window, qtbot)
    wait_state(lent_window, qtbot, RunState.FINISHED)
    assert lent_window.session.config.features == "x1sq,x2sq,x1x2" and lent_window.session.config.layers == (3, 16, 16, 1)


def test_features_on_one_input_data_are_marked(lent_window, qtbot):
    set_settings(lent_window, qtbot, data="sine")
    set_settings(lent_window, qtbot, features="x1sq")
    form = lent_window.form
    assert not form.valid
    assert "data sine has 1 input" in form.summary.text()
