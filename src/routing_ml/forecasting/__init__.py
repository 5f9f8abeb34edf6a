"""Interval contact-volume and handle-time forecasting with calibrated count intervals.

``import routing_ml.forecasting`` imports numpy and pandas only; statsmodels, LightGBM,
scikit-learn and Dask load inside the models that need them.

Public names: :class:`Forecaster`, :func:`cross_validation`, :func:`evaluate`, the
metrics :func:`wape`, :func:`rmse`, :func:`coverage`, :func:`pinball_loss`,
:func:`seasonal_naive_scale`, :class:`HandleTimeForecaster`, :class:`HolidayCalendar`,
:func:`plot_forecast`, :data:`MODELS`, :data:`MADRID_CITY_HOLIDAYS`.
"""

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

__all__ = [
    "DEFAULT_MODEL", "MADRID_CITY_HOLIDAYS", "MODELS", "Forecaster", "HandleTimeForecaster",
    "HolidayCalendar", "plot_forecast",
    "coverage", "cross_validation", "evaluate", "pinball_loss", "rmse",
    "seasonal_naive_scale", "wape",
]
