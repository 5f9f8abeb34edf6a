"""Do the handle-time prediction intervals cover what they say? The February 1999 bank.

``HandleTimeForecaster`` is fitted on the days before a cut and predicts the interval mean
handle time of the next 7 days (half-hours, every queue of ``anonymous_bank_volumes()``)
with ``level=(50, 80, 95)``; coverage is the share of observed half-hours (with at least
one call served) inside the interval. Two cuts: 15 and 22 February (the first has two
weeks of history, the first of them the profile the last two are calibrated against).

Run: ``.venv/bin/python experiments/handle_time_intervals.py``.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _results import markdown_table, write_result  # noqa: E402

LEVELS = (50, 80, 95)
CUTS = ("1999-02-15", "1999-02-22")


def main() -> None:
    from routing_ml.datasets import anonymous_bank_volumes
    from routing_ml.forecasting import HandleTimeForecaster
    from routing_ml.forecasting._handle_time import INTERVAL_CALIBRATION_DAYS

    v = anonymous_bank_volumes()
    rows, per_queue = [], []
    for cut in map(pd.Timestamp, CUTS):
        train = v[v["ds"] < cut]
        test = v[(v["ds"] >= cut) & (v["ds"] < cut + pd.Timedelta(days=7))]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = HandleTimeForecaster(freq="30min").fit(train)
        fc = model.predict(future=test[["unique_id", "ds"]], level=LEVELS)
        j = fc.merge(test, on=["unique_id", "ds"], suffixes=("", "_observed"))
        j = j[j["aht_seconds_observed"].notna() & (j["served"] > 0)]
        row: dict[str, object] = {"cut": cut.date().isoformat(), "half_hours": len(j),
                                  "calibration_residuals": model.interval_residuals_,
                                  "between_day_log_var": model.log_var_[0],
                                  "within_log_var_x_calls": model.log_var_[1],
                                  "mae_seconds": float(np.mean(np.abs(j["aht_seconds"]
                                                                      - j["aht_seconds_observed"])))}
        for L in LEVELS:
            inside = (j["aht_seconds_observed"] >= j[f"aht_seconds_lo_{L}"]) & \
                     (j["aht_seconds_observed"] <= j[f"aht_seconds_hi_{L}"])
            row[f"coverage_{L}"] = float(inside.mean())
            row[f"mean_width_{L}_seconds"] = float((j[f"aht_seconds_hi_{L}"] - j[f"aht_seconds_lo_{L}"]).mean())
            for q, g in j.assign(inside=inside).groupby("unique_id"):
                per_queue.append({"cut": row["cut"], "queue": q, "level": L, "half_hours": len(g),
                                  "coverage": float(g["inside"].mean())})
        rows.append(row)
    table = pd.DataFrame(rows)
    pq = pd.DataFrame(per_queue).pivot_table(index=["cut", "queue", "half_hours"], columns="level",
                                             values="coverage").reset_index()
    pq.columns = [c if isinstance(c, str) else f"coverage_{c}" for c in pq.columns]
    md = [
        f"`HandleTimeForecaster(freq='30min')` fitted on the bank's half-hours before each cut, "
        f"the next 7 days predicted with `level={LEVELS}`; intervals calibrated out of sample on "
        f"the last {INTERVAL_CALIBRATION_DAYS} days of each fit's history (7 for the first cut, "
        f"which has two weeks), all queues pooled. Coverage = share of "
        f"the observed half-hours with calls served inside the interval (nominal 0.50 / 0.80 / "
        f"0.95).", "",
        markdown_table(table), "", "## Per queue", "", markdown_table(pq),
    ]
    write_result("handle_time_intervals", "\n".join(md),
                 {"overall": rows, "per_queue": per_queue, "levels": list(LEVELS)})
    print("\n".join(md))


if __name__ == "__main__":
    main()
