"""The one loss-and-gradient package of sksoftmax.

Two layers, as in scikit-learn's ``_loss`` / ``_linear_loss``:

* :class:`MultinomialLoss` and :class:`SigmoidLoss` are per-sample losses on
  logits (``raw_prediction``). They never see ``X`` or coefficients.
* :class:`LinearLoss` *holds* one of them and maps packed coefficients to the
  objective and its gradient for a design matrix ``X``.

The gradient of either loss with respect to the logits is ``p - y``, so both
share every line of :class:`LinearLoss`.
"""

from ._linear import LinearLoss
from ._per_sample import MultinomialLoss, SigmoidLoss, SoftMultinomialLoss

__all__ = ["LinearLoss", "MultinomialLoss", "SigmoidLoss", "SoftMultinomialLoss"]
