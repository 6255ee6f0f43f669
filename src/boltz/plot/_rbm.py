"""An RBM's weights as image tiles."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from boltz._validation import as_float_array, check_positive_int, check_shape
from boltz.plot._axes import panels

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def rbm_filters(rbm_or_weights: object | ArrayLike, image_shape: tuple[int, int], *,
                n_filters: int | None = None, ncols: int | None = None,
                ax: Axes | None = None) -> Axes:
    r"""Draw the weights of each hidden unit as an image: the RBM's filters.

    Row j of ``components_`` (:math:`W^T`, the weights :math:`W_{ij}` from every visible
    unit i to hidden unit j) is reshaped to `image_shape` and drawn as one tile of a grid,
    tiles separated by a blank one-pixel border, on a colour scale symmetric about 0
    (red positive, blue negative) shared by all tiles.

    Parameters
    ----------
    rbm_or_weights : RBM or array_like (n_hidden, n_visible)
        A fitted :class:`boltz.RBM` (or anything with ``components_``), or the weights.
    image_shape : (int, int)
        (height, width) of one image; their product is the number of visible units.
    n_filters : int, optional
        Draw the first `n_filters` hidden units (default: all).
    ncols : int, optional
        Tiles per row (default: about the square root of the number drawn).
    ax : matplotlib.axes.Axes, optional
        The Axes to draw on (default: a new figure's).

    Returns
    -------
    matplotlib.axes.Axes
        ``images[0]`` holds the tiled array (nan on the borders).

    Raises
    ------
    NotFittedError
        An estimator not fitted yet (a ValueError; scikit-learn's class when installed).
    """
    if hasattr(rbm_or_weights, "fit") and not hasattr(rbm_or_weights, "components_"):
        from boltz.machines._rbm_sklearn import NotFittedError  # sklearn's, when installed

        raise NotFittedError(f"rbm_or_weights: this {type(rbm_or_weights).__name__} is not "
                             f"fitted yet: call fit(X) first")
    weights = getattr(rbm_or_weights, "components_", rbm_or_weights)
    W = as_float_array(weights, "rbm_or_weights", ndim=2, finite=True, bools=False)
    shape = check_shape(image_shape, "image_shape")
    if len(shape) != 2 or math.prod(shape) != W.shape[1] or W.shape[1] == 0:
        raise ValueError(f"image_shape must be (height, width) with height * width = "
                         f"{W.shape[1]} (the visible units), got {image_shape!r}")
    count = W.shape[0] if n_filters is None else min(
        check_positive_int(n_filters, "n_filters"), W.shape[0])
    if count == 0:
        raise ValueError("rbm_or_weights has no hidden units to draw")
    cols = (math.ceil(math.sqrt(count)) if ncols is None
            else min(check_positive_int(ncols, "ncols"), count))
    rows = math.ceil(count / cols)
    h, w = shape
    tiles = np.full((rows * (h + 1) + 1, cols * (w + 1) + 1), np.nan)
    for j in range(count):
        r, c = divmod(j, cols)
        tiles[1 + r * (h + 1):1 + r * (h + 1) + h,
              1 + c * (w + 1):1 + c * (w + 1) + w] = W[j].reshape(h, w)
    (axis,) = panels(ax, 1)
    limit = float(np.max(np.abs(W[:count]))) or 1.0
    import matplotlib

    cmap = matplotlib.colormaps["RdBu_r"].with_extremes(bad="white")
    axis.imshow(tiles, cmap=cmap, vmin=-limit, vmax=limit, interpolation="nearest")
    axis.set_xticks([])
    axis.set_yticks([])
    axis.set_title(f"{count} filters, {h} x {w} (weights from -{limit:.3g} to {limit:.3g})")
    return axis
