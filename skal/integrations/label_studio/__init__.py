"""Active-learning order for Label Studio projects.

Label Studio's data manager sorts tasks by the score of their predictions.
:class:`LabelStudioSync` keeps one prediction per task -- the model's label,
with skal's informativeness as the score -- and refreshes them each time
annotations change, so that a tab sorted by prediction score (skal creates
one) is the active-learning order. Edited and deleted annotations correct
and withdraw labels in skal's journal, which keeps the audit trail.

Needs the ``labelstudio`` extra (``pip install "skal[labelstudio]"``):
:mod:`requests`, and Pillow for image projects. Label Studio itself runs
apart, in its own environment.
"""

from skal.integrations.label_studio._client import LabelStudioClient, LabelStudioError
from skal.integrations.label_studio._config import ChoicesTarget, choices_target
from skal.integrations.label_studio._features import (
    feature_columns_matrix,
    image_vector,
)
from skal.integrations.label_studio._journal import ProjectJournal
from skal.integrations.label_studio._sync import VIEW_TITLE, LabelStudioSync, SyncResult

__all__ = [
    "VIEW_TITLE",
    "ChoicesTarget",
    "LabelStudioClient",
    "LabelStudioError",
    "LabelStudioSync",
    "ProjectJournal",
    "SyncResult",
    "choices_target",
    "feature_columns_matrix",
    "image_vector",
]
