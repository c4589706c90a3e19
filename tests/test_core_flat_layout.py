"""The flat layout: one place says where every W and b sits in the flat buffers, and every user agrees with it."""

import numpy as np
import pytest

from mlp_gui.core import TrainConfig, Trainer
from mlp_gui.core.explain import layer_norms
from mlp_gui.core.flat_layout import FlatLayout, flatten, parameter_names
from mlp_gui.core.norm_record import NormRecord

NETS = [(3, 4, 4, 2), (2, 16, 16, 2)]


@pytest.mark.parametrize("sizes", NETS)
def test_views_share_the_buffer_in_file_order(sizes):
    layout = FlatLayout(sizes)
    flat, layers = layout.zeros()
    assert flat.shape == (sum(o * i + o for i, o in zip(sizes[:-1], sizes[1:])),) == (layout.size,)
    assert [a.shape for a in flatten(layers)] == [s.shape for s in layout.spans]
    assert layout.names == parameter_names(len(sizes) - 1)
    flat[:] = np.arange(layout.size)
    for span, array in zip(layout.spans, flatten(layers)):
        assert np.shares_memory(array, flat)
        np.testing.assert_array_equal(array.ravel(), np.arange(span.start, span.stop))  # W row by row, then b
    layers[-1].b[-1] = -1.0
    assert flat[-1] == -1.0


@pytest.mark.parametrize("sizes", NETS)
def test_index_agrees_with_the_views_for_every_entry(sizes):
    layout = FlatLayout(sizes)
    flat = np.arange(layout.size, dtype=float)
    layers = layout.views(flat)
    for n, (w, b) in enumerate(layers, start=1):
        for row in range(w.shape[0]):
            assert flat[layout.index(n, row)] == b[row]
            for col in range(w.shape[1]):
                assert flat[layout.index(n, row, col)] == w[row, col]
    indices = [layout.index(n, r, c) for n, (W, _) in enumerate(layers, 1) for r in range(W.shape[0]) for c in range(W.shape[1])]
    indices += [layout.index(n, r) for n, (_, b) in enumerate(layers, 1) for r in range(b.shape[0])]
    assert sorted(indices) == list(range(layout.size))  # every entry named exactly once


def test_index_refuses_what_is_not_in_the_network():
    layout = FlatLayout((3, 4, 4, 2))
    for args, message in [((2, 4, 0), r"no W2\[4, 0\]"), ((1, 0, 3), r"no W1\[0, 3\]"), ((3, 2), r"no b3\[2\]"),
                          ((4, 0, 0), "no layer 4"), ((0, 0), "no layer 0")]:
        with pytest.raises(IndexError, match=message):
            layout.index(*args)


@pytest.mark.parametrize("sizes", NETS)
def test_pack_and_unpack_round_trip_as_copies(sizes):
    layout = FlatLayout(sizes)
    rng = np.random.default_rng(1)
    flat = rng.standard_normal(layout.size)
    layers = layout.unpack(flat)
    assert not any(np.shares_memory(a, flat) for a in flatten(layers))
    packed = layout.pack(layers)
    np.testing.assert_array_equal(packed, flat)
    packed[0] += 1.0
    assert layers[0].W[0, 0] == flat[0]  # pack copied


def test_a_stack_of_runs_packs_and_views_on_its_leading_axis():
    layout = FlatLayout((3, 4, 2))
    flat, layers = layout.zeros((5,))
    assert layers[0].W.shape == (5, 4, 3) and layers[1].b.shape == (5, 2)
    one = layout.unpack(np.arange(layout.size, dtype=float))
    layout.pack(one, out=flat[3])
    np.testing.assert_array_equal(layers[0].W[3], one[0].W)
    np.testing.assert_array_equal(layout.pack(layers), flat)


def test_weight_mask_marks_the_weights_only():
    layout = FlatLayout((3, 4, 4, 2))
    mask = layout.weight_mask()
    flat = np.zeros(layout.size)
    layers = layout.views(flat)
    for w, _ in layers:
        w[...] = 1.0
    np.testing.assert_array_equal(mask, flat == 1.0)
    assert mask.sum() == 3 * 4 + 4 * 4 + 4 * 2 and mask.dtype == bool
    mask[:] = False
    assert layout.weight_mask().any()  # a new array each time


def test_layer_slices_are_what_the_norms_use():
    trainer = Trainer.new(TrainConfig())
    trainer.step(10)
    layout = trainer.config.model.layout
    assert layout.layer_starts == tuple(NormRecord.for_sizes(trainer.config.layers).starts.tolist())
    flat = layout.pack(trainer.grads)
    by_slice = [float(np.linalg.norm(flat[s])) for s in layout.layer_slices]
    assert layer_norms(trainer.grads) == pytest.approx(by_slice, rel=1e-14)  # the same entries, summed in another order
    assert layer_norms(trainer.grads) == trainer.norms.rows().grad[-1].tolist()  # what the record says, to the bit


def test_bad_buffers_and_layers_are_refused_with_a_reason():
    layout = FlatLayout((3, 4, 2))
    with pytest.raises(ValueError, match="does not hold 26 parameters"):
        layout.views(np.zeros(25))
    with pytest.raises(ValueError, match="contiguous"):
        layout.views(np.zeros((2 * layout.size,))[::2])
    good = layout.unpack(np.zeros(layout.size))
    with pytest.raises(ValueError, match=r"W2 has shape \(4, 4\)"):
        layout.pack([good[0], (np.zeros((4, 4)), np.zeros(2))])
    with pytest.raises(ValueError, match="1 layers given"):
        layout.pack(good[:1])
    with pytest.raises(ValueError, match="layer sizes"):
        FlatLayout((3,))


def test_the_layout_is_made_once_per_shape_and_known_to_the_model():
    assert FlatLayout.of([3, 4, 2]) is FlatLayout.of((3, 4, 2)) == FlatLayout((3, 4, 2))
    assert TrainConfig().model.layout is FlatLayout.of((3, 4, 4, 2))
    trainer = Trainer.new(TrainConfig())
    assert FlatLayout.for_layers(trainer.layers) is trainer.config.model.layout
