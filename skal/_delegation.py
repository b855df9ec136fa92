"""``predict`` & co.: every learner delegates them to its trained model.

:class:`DelegationMixin` exposes the methods the wrapped estimator has
(``available_if``, as scikit-learn's meta-estimators do), validates samples
arriving after ``fit`` against what ``fit`` saw, and aligns probability
columns to ``classes_`` when classes were declared up front but not all are
labeled yet.
"""

import copy

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array, get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from skal._data import as_rows
from skal._scan import is_dask_array

__all__ = ["DelegationMixin", "estimator_has", "follow_estimator_type", "templates"]


def templates(estimator):
    """The estimators a learner wraps: one, or a committee's list of them."""
    return list(estimator) if isinstance(estimator, (list, tuple)) else [estimator]


def estimator_has(attr):
    """Check the fitted model if there is one, else the unfitted one(s)."""

    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self._predictor(), attr)
        return all(hasattr(est, attr) for est in templates(self.estimator))

    return check


def follow_estimator_type(tags, estimator):
    """Tags of a learner that is a classifier or a regressor as its
    estimator is."""
    inner = get_tags(estimator)
    tags.estimator_type = inner.estimator_type
    tags.classifier_tags = copy.deepcopy(inner.classifier_tags)
    tags.regressor_tags = copy.deepcopy(inner.regressor_tags)
    return tags


class DelegationMixin:
    """Delegate predictions to ``_predictor()`` (``estimator_`` unless
    self-training trained another model for predictions)."""

    def _predictor(self):
        """The model behind predict & co."""
        return self.estimator_

    def _check_rows(self, X):
        """Refuse NaN / inf in a numeric pool that no estimator will see
        before the rows are labeled (see ``_scores_rows_itself``)."""
        if self._scores_rows_itself or is_dask_array(X):
            return
        numeric = (isinstance(X, np.ndarray) or sp.issparse(X)) and X.dtype.kind in "fc"
        if numeric and not get_tags(self).input_tags.allow_nan:
            check_array(
                X,
                accept_sparse=True,
                dtype=None,
                ensure_2d=False,
                ensure_min_samples=0,
                input_name="X",
            )

    def _check_X_new(self, X):
        """Validate samples arriving after fit against what fit saw."""
        X = as_rows(X)
        if hasattr(self, "n_features_in_") and getattr(X, "ndim", 2) == 1:
            raise ValueError(
                f"Expected a 2-d array of samples, got a 1-d array of shape "
                f"{X.shape}. Reshape your data with X.reshape(-1, 1) for a single "
                "feature or X.reshape(1, -1) for a single sample."
            )
        validate_data(self, X, reset=False, skip_check_array=True)
        return X

    def _check_X_predict(self, X):
        check_is_fitted(self)
        return self._check_X_new(X)

    def _align(self, values, fill):
        """Columns of the model's classes placed into ``classes_``."""
        column_map = getattr(self, "_column_map", None)
        if column_map is None:
            return values
        out = np.full((values.shape[0], len(self.classes_)), fill, dtype=float)
        out[:, column_map] = values
        return out

    @available_if(estimator_has("predict"))
    def predict(self, X):
        """Predict with the trained model.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        X = self._check_X_predict(X)
        return self._predictor().predict(X)

    @available_if(estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities, one column per entry of ``classes_``.

        Classes declared in ``classes`` but not yet labeled get probability 0.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        X = self._check_X_predict(X)
        return self._align(self._predictor().predict_proba(X), 0.0)

    @available_if(estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`, aligned to ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        X = self._check_X_predict(X)
        return self._align(self._predictor().predict_log_proba(X), -np.inf)

    @available_if(estimator_has("decision_function"))
    def decision_function(self, X):
        """The trained model's decision function.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)

        Returns
        -------
        scores : ndarray
        """
        X = self._check_X_predict(X)
        return self._predictor().decision_function(X)

    @available_if(estimator_has("score"))
    def score(self, X, y):
        """The trained model's score (accuracy for classifiers, R^2 for
        regressors) on ``(X, y)``.

        After a simulated fit with ``budget``, this is the score reached with
        that many labels chosen by the strategy.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
        y : array-like of shape (n_samples,)

        Returns
        -------
        score : float
        """
        X = self._check_X_predict(X)
        return self._predictor().score(X, y)
