"""Cost of `import routing_ml` over a bare interpreter (median of fresh processes).

Goal (issue 2): at most 50 ms over `python -c pass`, and no heavy dependency imported.
Run: .venv/bin/python experiments/bench_import.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _results import write_result  # noqa: E402

RUNS = 10


def _median_seconds(code: str) -> float:
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    _median_seconds("import routing_ml")  # warm the file cache
    bare = _median_seconds("pass")
    lib = _median_seconds("import routing_ml")
    cli = _median_seconds("import routing_ml.cli")
    heavy = subprocess.check_output(
        [sys.executable, "-c",
         "import routing_ml, sys; print(sorted(m for m in ('mlflow','lightgbm','statsmodels',"
         "'ortools','sklearn','torch','pandas') if m in sys.modules))"], text=True).strip()
    over_ms = (lib - bare) * 1e3
    md = (
        f"| what | median of {RUNS} fresh processes |\n|---|---|\n"
        f"| `python -c pass` | {bare * 1e3:.1f} ms |\n"
        f"| `python -c 'import routing_ml'` | {lib * 1e3:.1f} ms |\n"
        f"| cost of `import routing_ml` | **{over_ms:.1f} ms** (goal <= 50 ms: "
        f"{'met' if over_ms <= 50 else 'MISSED'}) |\n"
        f"| `import routing_ml.cli` (what `routing-ml --help` pays) | "
        f"{(cli - bare) * 1e3:.1f} ms over bare |\n\n"
        f"Heavy modules imported by `import routing_ml`: {heavy}\n"
    )
    write_result("bench_import", md, {"bare_s": bare, "import_s": lib, "cli_s": cli,
                                      "over_ms": over_ms, "heavy_imported": heavy})
    print(md)


if __name__ == "__main__":
    main()
