"""Do the intraday reforecast's intervals cover what they say? The 2003 bank, half-hours.

For each of the last ``TEST_DAYS`` weekdays of ``load_bank_calls()`` (aggregated to 30
minutes, the 21:00 stub dropped), a ``Forecaster`` is fitted on the days before it,
``reforecast_intraday`` sees the day's counts up to ``SEEN_UNTIL`` and forecasts the rest of
the day with ``level=(50, 80, 95)``; coverage is the share of the remaining half-hours whose
count is inside the interval. The morning's update is also scored against the plain
forecast of the same half-hours (MAE). The reforecast of the later days is compared with the
model's own day-ahead intervals (``predict``) over the same half-hours.

Run: ``.venv/bin/python experiments/intraday_coverage.py``.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _results import markdown_table, write_result  # noqa: E402

LEVELS = (50, 80, 95)
TEST_DAYS = 20
SEEN_UNTIL = ("10:00", "12:00", "15:00")
MODEL = "topdown"


def main() -> None:
    from routing_ml.datasets import load_bank_calls
    from routing_ml.errors import FrameError
    from routing_ml.forecasting import Forecaster

    v = load_bank_calls()
    v = v.assign(ds=v["ds"].dt.floor("30min")).groupby(["unique_id", "ds"], as_index=False)["y"].sum()
    v = v[v["ds"].dt.hour < 21]
    days = np.sort(v["ds"].dt.normalize().unique())[-TEST_DAYS:]
    rows, skipped = [], set()
    t0 = time.perf_counter()
    for day in map(pd.Timestamp, days):
        train = v[v["ds"] < day]
        today = v[v["ds"].dt.normalize() == day]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f = Forecaster(MODEL, freq="30min", holidays_country="US").fit(train)
        plain = f.predict(future=today[["unique_id", "ds"]], level=LEVELS)
        for seen in SEEN_UNTIL:
            cut = day + pd.Timedelta(seen + ":00")
            try:
                upd = f.reforecast_intraday(today[today["ds"] < cut], level=LEVELS)
            except FrameError:  # the weekday before is missing from the source (14 Oct)
                skipped.add(day.date().isoformat())
                continue
            for kind, fc in (("intraday", upd), ("day-ahead", plain[plain["ds"] >= cut])):
                j = fc.merge(today, on=["unique_id", "ds"])
                row: dict[str, object] = {"day": day.date().isoformat(), "seen_until": seen,
                                          "forecast": kind, "half_hours": len(j),
                                          "abs_error": float(np.abs(j["yhat"] - j["y"]).sum())}
                for L in LEVELS:
                    row[f"inside_{L}"] = int(((j["y"] >= j[f"yhat_lo_{L}"])
                                              & (j["y"] <= j[f"yhat_hi_{L}"])).sum())
                    row[f"width_{L}"] = float((j[f"yhat_hi_{L}"] - j[f"yhat_lo_{L}"]).sum())
                rows.append(row)
    seconds = time.perf_counter() - t0
    per_day = pd.DataFrame(rows)
    agg = per_day.groupby(["seen_until", "forecast"], as_index=False).sum(numeric_only=True)
    table = pd.DataFrame({"seen_until": agg["seen_until"], "forecast": agg["forecast"],
                          "half_hours": agg["half_hours"],
                          "mae_calls": agg["abs_error"] / agg["half_hours"]})
    for L in LEVELS:
        table[f"coverage_{L}"] = agg[f"inside_{L}"] / agg["half_hours"]
        table[f"mean_width_{L}"] = agg[f"width_{L}"] / agg["half_hours"]
    md = [
        f"`Forecaster('{MODEL}', freq='30min', holidays_country='US')` refitted before each of "
        f"the last {TEST_DAYS} weekdays of `load_bank_calls()` (half-hours 07:00-21:00); "
        f"`reforecast_intraday` sees the day's counts before {', '.join(SEEN_UNTIL)} and "
        f"forecasts the rest of the day with `level={LEVELS}`. `day-ahead` is the same "
        f"model's `predict` of the same half-hours. Coverage = share of those half-hours "
        f"whose count is inside the interval (nominal 0.50 / 0.80 / 0.95); "
        f"{seconds:.0f} s in all. Left out (the weekday before is missing from the source, "
        f"so the update refuses the day): {sorted(skipped) or 'none'}.", "",
        markdown_table(table),
    ]
    write_result("intraday_coverage", "\n".join(md),
                 {"summary": table.to_dict("records"), "per_day": rows, "levels": list(LEVELS)})
    print("\n".join(md))


if __name__ == "__main__":
    main()
