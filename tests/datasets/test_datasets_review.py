"""Review findings: non-numeric / infinite generator arguments are GeneratorParameterError."""

from __future__ import annotations

import pytest

from routing_ml.datasets.synthetic import GeneratorParameterError, make_contact_center


@pytest.mark.parametrize("kw", [
    {"daily_contacts": "300"}, {"daily_contacts": float("inf")},
    {"occupancy_target": "0.8"}, {"vague_share": None}, {"mixed_share": "0.1"},
])
def test_bad_numeric_arguments_name_the_argument(kw):
    name = next(iter(kw))
    with pytest.raises(GeneratorParameterError, match=name):
        make_contact_center(days=1, daily_contacts=kw.get("daily_contacts", 50), n_agents=3,
                            simulate=False,
                            **{k: v for k, v in kw.items() if k != "daily_contacts"})
