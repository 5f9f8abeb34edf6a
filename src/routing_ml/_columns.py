"""Column names and channel names of the data contracts (no imports: cheap everywhere).

:mod:`routing_ml.frames` re-exports them next to the validators.
"""

ID = "unique_id"
TIME = "ds"
TARGET = "y"
FORECAST = "yhat"
AHT = "aht_seconds"
AGENTS = "agents"

VOLUME_COLUMNS = (ID, TIME, TARGET)
FORECAST_COLUMNS = (ID, TIME, FORECAST)
REQUIREMENT_COLUMNS = (ID, TIME, AGENTS)

CONTACT_COLUMNS = (
    "contact_id", "ts", "channel", "text", "language", "intent", "priority", "customer_id",
)
CHANNELS = ("voice", "chat", "email", "web", "messaging")
