"""skal: active learning for scikit-learn, done properly.

Meta-estimators that wrap any scikit-learn estimator (a Pipeline too, or a
network through scikeras / skorch), ``query`` the pool samples worth labeling
and ``teach`` the labels back, while staying real scikit-learn estimators:
``clone``, ``Pipeline``, ``cross_val_score`` and ``GridSearchCV`` all work.
"""

from skal.adaptive import AdaptiveSampler
from skal.base import UNLABELED, BaseActiveLearner
from skal.baseline import RandomSampler
from skal.committee import CommitteeRegressor, CommitteeSampler
from skal.expected import (
    ExpectedErrorReductionClassifier,
    ExpectedModelChangeClassifier,
)
from skal.journal import Journal
from skal.loop import AnnotationLoop, annotate
from skal.representative import RepresentativeSampler
from skal.self_training import SelfTraining
from skal.uncertainty import (
    UncertaintySamplingClassifier,
    UncertaintySamplingRegressor,
)

__version__ = "0.1.0"

__all__ = [
    "UNLABELED",
    "AdaptiveSampler",
    "AnnotationLoop",
    "BaseActiveLearner",
    "CommitteeRegressor",
    "CommitteeSampler",
    "ExpectedErrorReductionClassifier",
    "ExpectedModelChangeClassifier",
    "Journal",
    "RandomSampler",
    "RepresentativeSampler",
    "SelfTraining",
    "UncertaintySamplingClassifier",
    "UncertaintySamplingRegressor",
    "__version__",
    "annotate",
]
