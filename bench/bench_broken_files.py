"""Broken files through ``load_graph``: how each ends (a clean FileFormatError, loaded, or
anything else) and how long the slowest takes — no file under 1 MB may take 2 s.

The corpus is the mutation test's (tests/mutations.py: byte flips, truncations, bytes that
are not UTF-8, wrong types, huge numbers, NaN, lone surrogates, duplicate keys, deep nesting)
over the three example files, and a few worst cases made to be slow: deep nesting up to what
fits in 1 MB, a 1 MB integer, a tensor of 1 MB of elements and a claim of 10¹² × 10⁶ elements.

    python bench/bench_broken_files.py [COUNT]     # COUNT mutants (default 2000), seed 19

Printed: the outcomes, the slowest files (min and median of three loads each), the load
average before and after. One BLAS thread (threadpoolctl), as in every bench.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import setup_bench  # noqa: F401  (the root on the path, one BLAS thread)
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(setup_bench.ROOT / "tests"))
import mutations  # type: ignore[import-not-found]  # noqa: E402  (tests/, on the path above)

import engine as ts  # noqa: E402

MEGABYTE = 1 << 20
WORST = {
    "deep [": b"[" * (MEGABYTE - 1),
    "deep {": b'{"a":' * (MEGABYTE // 5),
    "1 MB integer": b'{"format_version": ' + b"7" * (MEGABYTE - 40) + b"}",
    "1 MB of elements": (b'{"format": "tensor-canvas-graph", "format_version": 1, "nodes": '
                         b'[{"name": "W", "op": "variable", "value": {"dtype": "float64", '
                         b'"shape": [262000], "data": [' + b"1.5," * 261999 + b'1.5]}}]}'),
    "claim 10^12 x 10^6": (b'{"format": "tensor-canvas-graph", "format_version": 1, "nodes": '
                           b'[{"name": "W", "op": "variable", "value": {"dtype": "float64", '
                           b'"shape": [1000000000000, 1000000], "data": []}}]}'),
}


def load_once(path: Path) -> tuple[str, float]:
    start = time.perf_counter()
    try:
        ts.load_graph(path)
        outcome = "loaded"
    except ts.FileFormatError:
        outcome = "refused"
    except Exception as error:  # what the bench is here to find
        outcome = f"RAW {type(error).__name__}: {str(error)[:80]}"
    return outcome, time.perf_counter() - start


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    print(f"load average before: {os.getloadavg()}")
    cases = [*mutations.mutants(seed=19, count=count), *WORST.items()]
    outcomes: dict[str, int] = {}
    times: list[tuple[float, float, str, int]] = []
    with threadpool_limits(1), tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "broken.json"
        for what, content in cases:
            path.write_bytes(content)
            runs = [load_once(path) for _ in range(3)]
            outcome = runs[0][0]
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            seconds = [s for _, s in runs]
            times.append((min(seconds), statistics.median(seconds), what, len(content)))
    print(f"{len(cases)} files: " + ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items())))
    times.sort(reverse=True)
    print("slowest (min / median of 3 loads):")
    for low, median, what, size in times[:8]:
        print(f"  {low * 1000:8.1f} ms / {median * 1000:8.1f} ms  {size / 1024:7.0f} KiB  {what}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
