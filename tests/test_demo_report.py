"""``routing-ml demo`` writes the report it prints to ``report.md`` (the README promises
"its report and plots" in the output folder); the steps are stubbed: the real run is
``make demo``."""

from __future__ import annotations

from routing_ml import _demo


def test_demo_writes_the_report_it_prints(tmp_path, monkeypatch):
    def step(*args):
        args[-1]("   a line of step output")  # every step's last argument is echo
        return {}

    monkeypatch.setattr(_demo, "profile_datasets", lambda echo: step(echo))
    monkeypatch.setattr(_demo, "plot_profiles", lambda data, out: out / "profiles.png")
    for name in ("forecast_step", "staffing_step", "schedule_step", "simulation_step",
                 "routing_step"):
        monkeypatch.setattr(_demo, name, step)
    printed: list[str] = []
    _demo.run_demo(tmp_path, printed.append)
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert printed and all(line in report for line in printed)
    assert report.count("a line of step output") == 6
    assert "== 6. Routing" in report and str(tmp_path / "report.md") in printed[-1]
