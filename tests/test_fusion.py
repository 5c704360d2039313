"""The compiled backward pass fuses a cross-entropy built of parts (softmax → log → multiply →
sums → negative) into one rule: its gradients agree with the interpreted pass's within 1e-12;
a mean or sum of a loss on logits hands a scalar down, bit for bit the interpreted pass's
gradients; whatever does not fit the patterns stays as it was."""

import numpy as np
import pytest
from test_compiled_plans import fused

import engine as ts

RNG = np.random.default_rng(5)
LOGITS = RNG.normal(size=(6, 3))
ONE_HOT = np.eye(3)[RNG.integers(0, 3, 6)]
WEIGHTS = RNG.normal(size=(3, 3))


def gradients(build, compiled: bool) -> tuple[list[np.ndarray], ts.Session]:
    """y and the gradients ``build()`` asks for, on the third run (the backward pass is
    compiled on the second), each run on new logits; and the session (its ``fetches`` set)."""
    with ts.Graph().as_default() as g:
        z = ts.Variable(LOGITS, name="z")
        y, xs = build(z)
        grads = ts.gradients(y, xs)
    session = ts.Session(g, compiled=compiled)
    session.fetches = [y, *grads]
    for run in range(3):
        z.value = LOGITS * (run + 1)
        values = session.run(session.fetches)
    return values, session


def check(build) -> bool:
    """Compiled and interpreted gradients agree within 1e-12 (of each one's largest
    element); whether the compiled pass was fused."""
    compiled, session = gradients(build, compiled=True)
    interpreted, _ = gradients(build, compiled=False)
    for a, b in zip(compiled, interpreted, strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12 * np.max(np.abs(b)))
    return fused(session)


def series_loss(labels=ONE_HOT, axis=-1, negate=True, log_first=False, sums=(1, None)):
    def build(z):
        log_p = ts.log(ts.softmax(z, axis=axis))
        y = log_p * labels if log_first else ts.multiply(labels, log_p)
        for sum_axis in sums:
            y = ts.reduce_sum(y, axis=sum_axis)
        return (ts.negative(y) if negate else y), [z]
    return build


@pytest.mark.parametrize("build", [
    series_loss(),
    series_loss(negate=False),  # a log-likelihood: c − p · Σ c
    series_loss(log_first=True, sums=(None,)),
    series_loss(labels=np.array([0.2, 0.3, 0.5])),  # labels broadcast along the rows
    series_loss(labels=ONE_HOT.astype(np.int64)),
    series_loss(labels=ONE_HOT * 0.5),  # labels that do not sum to one
    series_loss(axis=0, sums=(0, None)),
], ids=["series", "not negated", "log first, one sum", "broadcast labels", "integer labels",
        "labels summing to ½", "softmax along axis 0"])
def test_the_cross_entropy_of_parts_is_fused_and_agrees(build):
    assert check(build)


def through_a_network(z):
    w = ts.Variable(WEIGHTS, name="w")
    y = -ts.reduce_sum(ts.multiply(ONE_HOT, ts.log(ts.softmax(ts.sigmoid(z) @ w))))
    return y, [w, z]


def test_a_network_below_the_loss_gets_the_fused_gradient_too():
    assert check(through_a_network)


def asking_for_the_softmax(z):
    p = ts.softmax(z)
    return -ts.reduce_sum(ts.multiply(ONE_HOT, ts.log(p))), [z, p]


def labels_on_the_path(z):
    return -ts.reduce_sum(ts.softmax(z) * ts.log(ts.softmax(z))), [z]


def one_value_per_example(z):
    return -ts.reduce_sum(ts.multiply(ONE_HOT, ts.log(ts.softmax(z))), axis=1), [z]


def softmax_used_twice(z):
    p = ts.softmax(z)
    return -ts.reduce_sum(ts.multiply(ONE_HOT, ts.log(p))) + ts.reduce_sum(p), [z]


@pytest.mark.parametrize("build", [
    asking_for_the_softmax, labels_on_the_path, one_value_per_example, softmax_used_twice])
def test_what_does_not_fit_the_pattern_is_not_fused_and_stays_bit_for_bit(build):
    compiled, _ = gradients(build, compiled=True)
    interpreted, _ = gradients(build, compiled=False)
    assert not check(build)
    assert [a.tobytes() for a in compiled] == [b.tobytes() for b in interpreted]


def test_the_fused_step_is_shown_in_the_plan_code():
    with ts.Graph().as_default() as g:
        z = ts.Variable(LOGITS, name="z")
        y = ts.negative(ts.reduce_sum(ts.multiply(ONE_HOT, ts.log(ts.softmax(z)))), name="y")
        train = ts.train.GradientDescentOptimizer(0.1).minimize(y)
    session = ts.Session(g)
    for _ in range(3):
        session.run([train, y])
    code = session.plan_code([train, y])
    assert "# softmax, fused from y" in code and "# log" not in code.split("def backward")[1]


def on_logits(loss, reduce, **attrs):
    def build(z):
        return reduce(loss(ONE_HOT, z), **attrs), [z]
    return build


def sigmoid_cross_entropy(labels, logits):
    return ts.Operation("sigmoid_cross_entropy_with_logits", [ts.constant(labels), logits])


@pytest.mark.parametrize("build", [
    on_logits(ts.softmax_cross_entropy, ts.reduce_mean),
    on_logits(ts.softmax_cross_entropy, ts.reduce_sum, keepdims=True),
    on_logits(sigmoid_cross_entropy, ts.reduce_mean),
    lambda z: (-ts.reduce_mean(ts.reduce_sum(ts.softmax_cross_entropy(ONE_HOT, z))), [z]),
], ids=["softmax, mean", "softmax, sum keeping dims", "sigmoid, mean", "mean of a sum, negated"])
def test_a_loss_on_logits_gets_its_mean_as_a_scalar_bit_for_bit(build):
    compiled, session = gradients(build, compiled=True)
    interpreted, _ = gradients(build, compiled=False)
    assert [a.tobytes() for a in compiled] == [b.tobytes() for b in interpreted]
    assert ", a scalar" in session.plan_code(session.fetches)


def test_a_mean_along_an_axis_spreads_its_gradient_as_before():
    compiled, session = gradients(on_logits(ts.softmax_cross_entropy, ts.reduce_mean, axis=0),
                                  compiled=True)
    interpreted, _ = gradients(on_logits(ts.softmax_cross_entropy, ts.reduce_mean, axis=0),
                               compiled=False)
    assert [a.tobytes() for a in compiled] == [b.tobytes() for b in interpreted]
    assert ", a scalar" not in session.plan_code(session.fetches)
