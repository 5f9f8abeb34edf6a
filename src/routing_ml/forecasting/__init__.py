"""Interval contact-volume and handle-time forecasting with calibrated count intervals.

``import routing_ml.forecasting`` is lazy (each name loads its module on first use); statsmodels, LightGBM,
scikit-learn and Dask load inside the models that need them.

Public names: :class:`Forecaster`, :func:`cross_validation`, :func:`evaluate`, the
metrics :func:`wape`, :func:`rmse`, :func:`coverage`, :func:`pinball_loss`,
:func:`seasonal_naive_scale`, :class:`HandleTimeForecaster`, :class:`HolidayCalendar`,
:func:`plot_forecast`, :data:`MODELS`, :data:`MADRID_CITY_HOLIDAYS`.
"""

from typing import TYPE_CHECKING

from routing_ml._lazy import attach

_MODULES = {
    "routing_ml.forecasting._backtest": (
        "coverage", "cross_validation", "evaluate", "pinball_loss", "rmse",
        "seasonal_naive_scale", "wape",
    ),
    "routing_ml.forecasting._calendar": ("MADRID_CITY_HOLIDAYS", "HolidayCalendar"),
    "routing_ml.forecasting._forecaster": ("DEFAULT_MODEL", "MODELS", "Forecaster"),
    "routing_ml.forecasting._handle_time": ("HandleTimeForecaster",),
    "routing_ml.forecasting._plot": ("plot_forecast",),
}
__getattr__, __dir__, __all__ = attach(
    __name__, {name: mod for mod, names in _MODULES.items() for name in names}
)

if TYPE_CHECKING:  # static analysers see the real names
    from routing_ml.forecasting._backtest import (
        coverage,
        cross_validation,
        evaluate,
        pinball_loss,
        rmse,
        seasonal_naive_scale,
        wape,
    )
    from routing_ml.forecasting._calendar import MADRID_CITY_HOLIDAYS, HolidayCalendar
    from routing_ml.forecasting._forecaster import DEFAULT_MODEL, MODELS, Forecaster
    from routing_ml.forecasting._handle_time import HandleTimeForecaster
    from routing_ml.forecasting._plot import plot_forecast
