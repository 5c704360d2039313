"""BLAS threads suit a run's size: a session runs a plan of small arrays on one thread, a
plan of big ones on as many as the limit allows (the editor's Preferences set it)."""

import numpy as np
import pytest
import threadpoolctl

import engine as ts
from engine import blas


def blas_threads() -> set[int]:
    return {lib["num_threads"] for lib in threadpoolctl.threadpool_info()
            if lib["user_api"] == "blas"}


@pytest.fixture
def limit_two():
    """At most two BLAS threads for the test; the process's own count put back after."""
    before = blas_threads()
    blas.set_limit(2)
    yield
    blas.set_limit(max(before))


def product(n: int) -> tuple[ts.Session, ts.Node]:
    with ts.Graph().as_default() as g:
        a = ts.Variable(np.ones((n, n)), name="a")
        y = ts.matmul(a, a, name="y")
    return ts.Session(g), y


def test_small_products_run_on_one_thread_big_ones_on_the_limit(limit_two):
    assert blas_threads() == {2}
    small, y = product(8)
    for _ in range(2):  # the first run learns the plan's size, the next ones suit it
        assert small.run(y)[0, 0] == 8
    assert blas_threads() == {1}

    big, z = product(300)
    for _ in range(2):
        assert big.run(z)[0, 0] == 300
    assert blas_threads() == {2}

    small.run(y)
    assert blas_threads() == {1}
    blas.set_limit(1)  # Preferences: one thread, big plans included
    big.run(z)
    assert blas_threads() == {1}
