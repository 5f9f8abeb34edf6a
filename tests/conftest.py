"""Suite-wide settings: plots off-screen, no hub access, hypothesis profile for CI."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from hypothesis import settings  # noqa: E402

# derandomize: the same examples every run, so a CI failure reproduces locally
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True)
settings.load_profile("ci")
