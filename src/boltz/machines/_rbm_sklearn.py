"""scikit-learn's estimator contract for ``RBM``: its base classes and ``NotFittedError``
when scikit-learn is installed, and a minimal stand-in when it is not (the fallback is
tested in a subprocess without scikit-learn).

Importing this module imports scikit-learn (about a second), which is why ``boltz.RBM`` is
loaded on first use.
"""
from __future__ import annotations

import inspect

try:
    from sklearn.base import BaseEstimator, TransformerMixin
    from sklearn.exceptions import NotFittedError
    ESTIMATOR_BASES: tuple[type, ...] = (TransformerMixin, BaseEstimator)
except ImportError:
    class _Params:
        """get_params / set_params as scikit-learn defines them (constructor arguments),
        and fit_transform."""

        @classmethod
        def _get_param_names(cls):
            sig = inspect.signature(cls.__init__)
            return sorted(p for p in sig.parameters if p != "self")

        def get_params(self, deep=True):
            return {name: getattr(self, name) for name in self._get_param_names()}

        def set_params(self, **params):
            valid = self._get_param_names()
            for key, value in params.items():
                if key not in valid:
                    raise ValueError(f"invalid parameter {key!r} for {type(self).__name__}")
                setattr(self, key, value)
            return self

        def fit_transform(self, X, y=None, **fit_params):
            return self.fit(X, y, **fit_params).transform(X)

    class NotFittedError(ValueError, AttributeError):
        """Raised when a method needs a fitted estimator (scikit-learn's exception)."""

    ESTIMATOR_BASES = (_Params,)

__all__ = ["ESTIMATOR_BASES", "NotFittedError"]
