"""Bundled real data (offline, compressed inside the wheel) and the synthetic center.

Real data: :func:`load_bank_calls` (2003 five-minute bank arrivals),
:func:`load_anonymous_bank` (1999 per-call log), :func:`load_banking77` (intents),
:func:`load_avisos_madrid` (Madrid citizen reports 2021–2023, our showcase).
Synthetic: :func:`make_contact_center`, a Spanish public-service omnichannel center with
ground truth.
"""

from routing_ml.datasets._loaders import (
    CALL_TYPES,
    anonymous_bank_volumes,
    avisos_madrid_gaps,
    avisos_madrid_volumes,
    list_datasets,
    load_anonymous_bank,
    load_avisos_madrid,
    load_bank_calls,
    load_banking77,
)
from routing_ml.datasets.synthetic import ContactCenter, GroundTruth, make_contact_center

__all__ = [
    "CALL_TYPES",
    "ContactCenter",
    "GroundTruth",
    "anonymous_bank_volumes",
    "avisos_madrid_gaps",
    "avisos_madrid_volumes",
    "list_datasets",
    "load_anonymous_bank",
    "load_avisos_madrid",
    "load_bank_calls",
    "load_banking77",
    "make_contact_center",
]
