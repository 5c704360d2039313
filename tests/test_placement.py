"""Where a new node goes: the free spot nearest to where it was asked for."""

import numpy as np

from editor.canvas.layout import nearest_free


def overlaps(x, y, w, h, obstacles) -> bool:
    return bool(((x < obstacles[:, 2]) & (x + w > obstacles[:, 0])
                 & (y < obstacles[:, 3]) & (y + h > obstacles[:, 1])).any())


def test_the_spot_asked_for_when_it_is_free_else_the_nearest_free_one():
    assert nearest_free(5, 5, 10, 10, np.zeros((0, 4))) == (5, 5)
    assert nearest_free(30, 0, 10, 10, np.array([[0.0, 0, 10, 10]])) == (30, 0)
    assert nearest_free(0, 1, 10, 10, np.array([[0.0, 0, 10, 10]])) == (0, 10)  # below
    rng = np.random.default_rng(7)
    for _ in range(200):
        corners = rng.integers(0, 60, size=(12, 2)).astype(float)
        obstacles = np.hstack([corners, corners + rng.integers(4, 20, size=(12, 2))])
        x, y = rng.integers(0, 70, size=2).astype(float)
        fx, fy = nearest_free(x, y, 8.0, 6.0, obstacles)
        assert not overlaps(fx, fy, 8.0, 6.0, obstacles)
        best = (fx - x) ** 2 + (fy - y) ** 2
        grid = np.arange(-40, 120, 1.0)  # no free spot on a unit grid is nearer
        gx, gy = (a.ravel() for a in np.meshgrid(grid, grid))
        nearer = (gx - x) ** 2 + (gy - y) ** 2 < best - 1e-9
        assert all(overlaps(a, b, 8.0, 6.0, obstacles) for a, b in zip(gx[nearer], gy[nearer],
                                                                         strict=True))
