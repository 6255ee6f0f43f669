"""scikit-learn's parameter protocol (``get_params`` / ``set_params`` over the constructor's
arguments) for boltz estimators that need no scikit-learn base class, so that
``sklearn.base.clone``, grid searches and pipelines take them without importing
scikit-learn here."""
from __future__ import annotations

import inspect


class ParamsMixin:
    """``get_params`` and ``set_params`` as scikit-learn defines them."""

    @classmethod
    def _get_param_names(cls) -> list[str]:
        return sorted(p for p in inspect.signature(cls.__init__).parameters if p != "self")

    def get_params(self, deep: bool = True) -> dict:
        """The constructor's arguments: {name: value}."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params: object):
        """Set constructor arguments by name; returns self."""
        valid = self._get_param_names()
        for key, value in params.items():
            if key not in valid:
                raise ValueError(f"invalid parameter {key!r} for {type(self).__name__}")
            setattr(self, key, value)
        return self
