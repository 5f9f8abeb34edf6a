"""Exception hierarchy of routing_ml.

Every error inherits the matching builtin as well, so ``except ValueError`` keeps working
for callers that do not know our classes.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType


class RoutingMLError(Exception):
    """Base class of every error raised on purpose by routing_ml."""


class FrameError(RoutingMLError, ValueError):
    """A data frame does not meet its documented contract (columns, dtypes, values)."""


class NotFittedError(RoutingMLError, AttributeError):
    """An estimator was used before ``fit``."""


class InfeasibleScheduleError(RoutingMLError, RuntimeError):
    """A scheduling problem has no feasible solution; the message names the binding rule."""


class MissingDependencyError(RoutingMLError, ImportError):
    """An optional dependency is not installed; the message names the extra to install."""


def require(module: str, extra: str | None) -> ModuleType:
    """Import ``module`` or raise :class:`MissingDependencyError` naming the pip extra
    (``extra``), or, for a dependency every install has (``extra=None``), the package."""
    try:
        return import_module(module)
    except ImportError as exc:  # pragma: no cover - exercised with a fake module name
        if extra is None:
            raise MissingDependencyError(
                f"{module} is needed for this feature and is a dependency of routing-ml, "
                f"but this environment lacks it; reinstall with `pip install routing-ml` "
                f"(or `pip install {module.split('.')[0]}`)"
            ) from exc
        raise MissingDependencyError(
            f"{module} is needed for this feature; install it with "
            f"`pip install 'routing-ml[{extra}]'`"
        ) from exc
