"""A logged Router serves every Contact field, whatever columns its input example had, and
reads ``ts`` the way ``PairOutcomeModel`` reads its log (zoned, ISO text, epoch seconds)."""

from __future__ import annotations

import pandas as pd

from routing_ml import tracking
from routing_ml.routing import Decision, Router
from routing_ml.tracking import predict_frame

AGENTS = [
    {"agent_id": "A1", "skills": {"tax": 3}, "languages": ("es",), "channels": ("voice",)},
    {"agent_id": "A2", "skills": {"tax": 5}, "languages": ("es", "en"),
     "channels": ("voice",)},
    {"agent_id": "A3", "skills": {"tax": 4}, "languages": ("es",), "channels": ("voice",)},
]
SKILLS = {"ibi": "tax"}
T0 = 1704099600.0  # 2024-01-01 09:00 UTC in epoch seconds


def test_router_pyfunc_accepts_every_contact_field(store):
    router = Router(AGENTS, intent_skills=SKILLS)
    example = pd.DataFrame({"contact_id": [1, 2], "channel": ["voice", "voice"],
                            "intent": ["ibi", "ibi"]})
    with tracking.start_run("exp_router_schema", tracking_uri=store["uri"],
                            artifact_location=store["artifacts"]):
        logged = tracking.log_model(router, "router", input_example=example)
    model = tracking.load_model(logged.model_uri, tracking_uri=store["uri"])
    schema = model.metadata.get_input_schema()
    required = {c.name for c in schema.inputs if c.required}
    assert required == {"contact_id", "channel"}
    assert {"preferred_agent_id", "text", "customer_id", "ts", "language",
            "priority"} <= set(schema.input_names())

    # a field the example lacked reaches the router: A3 (not the most proficient) is
    # the citizen's preferred agent
    got = model.predict(pd.DataFrame({"contact_id": [7], "channel": ["voice"],
                                      "intent": ["ibi"], "preferred_agent_id": ["A3"]}))
    assert got[["agent_id", "reason"]].values.tolist() == [["A3", "preferred_agent"]]
    # text contact ids, missing language / priority columns, a NaN priority, ts
    rows = pd.DataFrame({"contact_id": ["c-1", "c-2"], "channel": ["voice", "voice"],
                         "intent": ["ibi", "ibi"], "priority": [1.0, None],
                         "customer_id": [11, 12],
                         "ts": pd.to_datetime(["2024-01-01 10:00"] * 2).tz_localize(
                             "Europe/Madrid")})
    got = model.predict(rows)
    assert got["contact_id"].tolist() == ["c-1", "c-2"]
    assert got["agent_id"].tolist() == ["A2", "A3"]  # most proficient first, one call each
    # an English contact goes to the one English speaker
    got = model.predict(pd.DataFrame({"contact_id": [3], "channel": ["voice"],
                                      "intent": ["ibi"], "language": ["en"],
                                      "text": ["I want to pay my property tax"]}))
    assert got["agent_id"].tolist() == ["A2"]


class Recorder:
    """Router-like object that records the contacts it is given."""

    def __init__(self):
        self.contacts = []

    def route_batch(self, contacts, available_agents=None):
        self.contacts = list(contacts)
        return [Decision(-1, "no_eligible_agent") for _ in contacts]


def test_router_adapter_reads_zoned_text_and_epoch_ts():
    ts = pd.Series([pd.Timestamp("2024-01-01 10:00", tz="Europe/Madrid")] * 1)
    frames = {
        "zoned": ts,
        "iso Z": pd.Series(["2024-01-01T09:00:00Z"]),
        "iso offset": pd.Series(["2024-01-01T10:00:00+01:00"]),
        "naive": pd.Series([pd.Timestamp("2024-01-01 09:00")]),
        "epoch seconds": pd.Series([T0]),
    }
    for label, col in frames.items():
        rec = Recorder()
        predict_frame("router", rec, pd.DataFrame({"contact_id": [1], "channel": ["voice"],
                                                   "ts": col}))
        assert rec.contacts[0].arrival_seconds == T0, label


def test_router_adapter_unreadable_ts_is_bad_input_for_that_row():
    router = Router(AGENTS, intent_skills=SKILLS)
    df = pd.DataFrame({"contact_id": [1, 2, 3], "channel": ["voice"] * 3,
                       "intent": ["ibi"] * 3,
                       "ts": ["2024-01-01T09:00:00Z", "not a time", None]})
    got = predict_frame("router", router, df)
    assert got["contact_id"].tolist() == ["1", "2", "3"]
    assert got["reason"].tolist()[1] == "no_eligible_agent:bad_input"
    assert got["agent_id"].tolist()[0] != "" and got["agent_id"].tolist()[2] != ""
    assert router.stats()["bad_input"] == 1
