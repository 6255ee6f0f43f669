"""scikit-learn's estimator contract for ``RBM``: its base classes and ``NotFittedError``
when scikit-learn is installed, and a minimal stand-in when it is not (the fallback is
tested in a subprocess without scikit-learn).

Output feature names are scikit-learn's for a transformer that makes new features: the
lowercased class name and an index (``rbm0``, ``rbm1``, ...), from scikit-learn's
``ClassNamePrefixFeaturesOutMixin`` (which also enables ``set_output``) or, without
scikit-learn, from the stand-in's ``get_feature_names_out``. Both count the hidden units
through ``_n_features_out``, defined here from ``components_``.

Importing this module imports scikit-learn (about a second), which is why ``boltz.RBM`` is
loaded on first use.
"""
from __future__ import annotations

import numpy as np

from boltz.machines._estimator import ParamsMixin


class _HiddenFeatures:
    """``_n_features_out``: the hidden units, read from ``components_`` (NotFittedError,
    an AttributeError, before ``fit``: scikit-learn's fitted check reads it with hasattr)."""

    @property
    def _n_features_out(self) -> int:
        components = getattr(self, "components_", None)
        if components is None:
            raise NotFittedError(f"This {type(self).__name__} instance is not fitted yet: "
                                 "call fit(X) first")
        return int(np.shape(components)[0])


try:
    from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
    from sklearn.exceptions import NotFittedError
    ESTIMATOR_BASES: tuple[type, ...] = (_HiddenFeatures, ClassNamePrefixFeaturesOutMixin,
                                         TransformerMixin, BaseEstimator)
except ImportError:
    class _Params(ParamsMixin):
        """get_params / set_params as scikit-learn defines them (constructor arguments),
        fit_transform, and get_feature_names_out."""

        def fit_transform(self, X, y=None, **fit_params):
            return self.fit(X, y, **fit_params).transform(X)

        def get_feature_names_out(self, input_features=None) -> np.ndarray:
            """Names of the transformed features, as scikit-learn names them.

            Parameters
            ----------
            input_features : array_like of str, optional
                Only checked: its length must be ``n_features_in_``.

            Returns
            -------
            ndarray of object (n_components,)
                The lowercased class name followed by the hidden unit's index.
            """
            n_out = self._n_features_out
            if input_features is not None and len(input_features) != self.n_features_in_:
                raise ValueError(f"input_features should have length equal to number of "
                                 f"features ({self.n_features_in_}), got "
                                 f"{len(input_features)}")
            prefix = type(self).__name__.lower()
            return np.asarray([f"{prefix}{i}" for i in range(n_out)], dtype=object)

    class NotFittedError(ValueError, AttributeError):
        """Raised when a method needs a fitted estimator (scikit-learn's exception)."""

    ESTIMATOR_BASES = (_HiddenFeatures, _Params)

__all__ = ["ESTIMATOR_BASES", "NotFittedError"]
