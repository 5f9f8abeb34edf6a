"""Constructor parameters of the forecasters, as scikit-learn reads them."""

from __future__ import annotations

from typing import Any, ClassVar, Self


class ParamsMixin:
    """``get_params`` / ``set_params`` over the constructor arguments named in ``_PARAMS``
    (scikit-learn's conventions: ``clone`` works, unknown names are refused)."""

    _PARAMS: ClassVar[tuple[str, ...]] = ()

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor arguments (scikit-learn convention)."""
        return {k: getattr(self, k) for k in self._PARAMS}

    def set_params(self, **params: Any) -> Self:
        """Set constructor arguments; returns self."""
        for k, v in params.items():
            if k not in self._PARAMS:
                raise ValueError(f"unknown parameter {k!r}; valid: {self._PARAMS}")
            setattr(self, k, v)
        return self
