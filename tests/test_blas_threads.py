"""BLAS threads suit a run's size: a session runs a plan of small arrays on one thread, a
plan of big ones on as many as the limit allows (the editor's Preferences set it).

Checked in a process of its own: BLAS's thread count is the process's, and sessions of other
tests' windows may still be running in this one."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = r"""
import numpy as np
import threadpoolctl
import engine as ts
from engine import blas

def threads():
    return sorted({lib["num_threads"] for lib in threadpoolctl.threadpool_info()
                   if lib["user_api"] == "blas"})

def product(n):
    with ts.Graph().as_default() as g:
        a = ts.Variable(np.ones((n, n)), name="a")
        y = ts.matmul(a, a, name="y")
    return ts.Session(g), y

blas.set_limit(2)
print("limit", threads())
small, y = product(8)
for _ in range(2):  # the first run learns the plan's size, the next ones suit it
    assert small.run(y)[0, 0] == 8
print("small", threads())
big, z = product(300)
for _ in range(2):
    assert big.run(z)[0, 0] == 300
print("big", threads())
small.run(y)
print("small again", threads())
blas.set_limit(1)  # Preferences: one thread, big plans included
big.run(z)
print("big, limit 1", threads())
"""


def test_small_products_run_on_one_thread_big_ones_on_the_limit():
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "limit [2]", "small [1]", "big [2]", "small again [1]", "big, limit 1 [1]"]
