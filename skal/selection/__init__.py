"""Choosing a batch from per-sample scores (and features).

Pure numpy/scipy: scores (and random tie-break keys) in, indices out. The
learners feed it; nothing here fits an estimator of theirs (k-means, for
cluster diversity and representatives, is the only model used).

- Top-k, streaming and chunked: :func:`top_k`, :func:`chunked_top_k`.
- Batch diversity: :func:`kcenter_greedy`, :func:`ranked_batch`,
  :func:`cluster_diverse`.
- Density: :func:`information_density`, :func:`local_density` and
  :func:`density_weighted` weighting.
- Label-free representatives (cold start): :func:`representatives`,
  :func:`kmeans_representatives`, :func:`typiclust`; a clustering fitted
  once and covered query after query: :func:`kmeans_clusters`,
  :func:`cover_clusters`.

Memory: the diversity selectors keep one running vector of nearest distances
and compute distances to one new pick at a time; nothing builds an
``n_samples x n_samples`` (or ``n_samples x k``) matrix. Given
:class:`LinearRows`, they measure distances through a linear map (an affine
Pipeline head) without forming the mapped rows, and an ``available`` mask
lets them select among some rows of a larger matrix (the unlabeled rows of
the data given to ``fit``) without copying those rows out. k-means learns
from at most 10^5 evenly spaced rows; given :class:`LazyRows` (features
computed a batch of rows at a time), the k-means selectors and TypiClust
read the pool a chunk at a time.
"""

from skal.selection._density import (
    density_weighted,
    information_density,
    local_density,
    reference_rows,
)
from skal.selection._distances import (
    LazyRows,
    LinearRows,
    check_features,
    nearest_centroids,
    nearest_distances,
)
from skal.selection._diversity import cluster_diverse, kcenter_greedy, ranked_batch
from skal.selection._kmeans import (
    MAX_FIT_ROWS,
    kmeans_clusters,
    kmeans_representatives,
)
from skal.selection._representatives import (
    REPRESENTATIVE_METHODS,
    cover_clusters,
    representatives,
    typiclust,
)
from skal.selection._topk import (
    check_scores,
    chunk_rows,
    chunked_top_k,
    top_k,
    top_k_keyed,
)

__all__ = [
    "MAX_FIT_ROWS",
    "REPRESENTATIVE_METHODS",
    "LazyRows",
    "LinearRows",
    "check_features",
    "check_scores",
    "chunk_rows",
    "chunked_top_k",
    "cluster_diverse",
    "cover_clusters",
    "density_weighted",
    "information_density",
    "kcenter_greedy",
    "kmeans_clusters",
    "kmeans_representatives",
    "local_density",
    "nearest_centroids",
    "nearest_distances",
    "ranked_batch",
    "reference_rows",
    "representatives",
    "top_k",
    "top_k_keyed",
    "typiclust",
]
