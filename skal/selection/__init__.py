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
the data given to ``fit``) without copying those rows out.
"""

from skal.selection._density import (
    density_weighted,
    information_density,
    local_density,
    reference_rows,
)
from skal.selection._distances import LinearRows, check_features, nearest_distances
from skal.selection._diversity import cluster_diverse, kcenter_greedy, ranked_batch
from skal.selection._representatives import (
    REPRESENTATIVE_METHODS,
    cover_clusters,
    kmeans_clusters,
    kmeans_representatives,
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
    "REPRESENTATIVE_METHODS",
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
    "nearest_distances",
    "ranked_batch",
    "reference_rows",
    "representatives",
    "top_k",
    "top_k_keyed",
    "typiclust",
]
