"""Seeding: the one place where skal turns a ``random_state`` into streams.

A learner draws one base seed from its ``random_state`` at ``fit``. Every
random decision after that comes from a stream derived from that seed and a
named purpose (and, for queries, the learner's state), so that

- a query is a function of the learner's state: asking twice without
  teaching returns the same batch;
- the same ``random_state`` reproduces a whole run, and pickling a learner
  mid-loop continues it identically;
- what one purpose draws never shifts another's draws.

Streams are :class:`numpy.random.Generator` objects on PCG64, whose
``advance`` lets any chunk, worker or dask block seek to its own part of a
stream (see :class:`KeyStream`).
"""

import numpy as np
from sklearn.utils import check_random_state

__all__ = [
    "SEED_MAX",
    "KeyStream",
    "as_generator",
    "base_seed",
    "draw_seed",
    "reseed",
    "seeded_fit",
    "stream",
]

#: Upper bound (exclusive) of the integer seeds skal hands to estimators,
#: which take a 32-bit ``random_state``.
SEED_MAX = np.iinfo(np.int32).max

# Named purposes of the derived streams: a stream is keyed by one of these and
# never shares draws with another.
_PURPOSES = {
    "query": 1,  # tie-break keys and everything a query draws
    "cold_start": 2,
    "train": 3,  # bootstrap resamples, members' seeds, network initialisation
    "mc_dropout": 4,
    "simulation": 5,
    "select": 6,  # diversity selectors' own draws (k-means seeds, ties)
}


def as_generator(random_state):
    """A Generator from an int, a RandomState, a Generator or None.

    Examples
    --------
    >>> from skal._random import as_generator
    >>> float(as_generator(0).random()) == float(as_generator(0).random())
    True
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(SEED_MAX))
    return np.random.default_rng(random_state)


def draw_seed(random_state):
    """One integer seed in ``[0, SEED_MAX)`` drawn from ``random_state``."""
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(SEED_MAX))
    return int(check_random_state(random_state).randint(SEED_MAX))


def base_seed(random_state):
    """The seed a learner derives all its streams from, drawn once per fit."""
    return draw_seed(random_state)


def stream(seed, purpose, *keys):
    """The Generator of ``purpose`` for ``keys`` (e.g. the round), from ``seed``.

    Examples
    --------
    >>> from skal._random import stream
    >>> a = stream(7, "query", 3).random(2)
    >>> b = stream(7, "query", 3).random(2)
    >>> bool((a == b).all()), bool((a != stream(7, "query", 4).random(2)).all())
    (True, True)
    """
    words = [int(seed), _PURPOSES[purpose], *(int(k) for k in keys)]
    return np.random.Generator(np.random.PCG64(words))


#: One ``advance`` and one single draw cost about as much as this many keys
#: drawn in a row (0.8 us against 2 ns a key, measured with numpy 2.4).
_SEEK_COST = 400


class KeyStream:
    """Tie-break keys of a pool: key ``j`` is draw ``j`` of one PCG64 stream.

    Small and picklable (a seed sequence's words), so each chunk, on any
    worker, draws its own keys from its first position without drawing the
    keys before it: PCG64's ``advance(n)`` skips exactly ``n`` float64 draws
    of ``Generator.random`` (one 64-bit output each).

    Examples
    --------
    >>> import numpy as np
    >>> from skal._random import KeyStream
    >>> keys = KeyStream(seed=3, round=0)
    >>> np.array_equal(keys.draw(5, 3), keys.draw(0, 8)[5:])
    True
    """

    def __init__(self, seed, round):
        self._words = [int(seed), _PURPOSES["query"], int(round)]

    def draw(self, start, size):
        """Keys ``start .. start + size - 1``."""
        bit_generator = np.random.PCG64(self._words)
        bit_generator.advance(int(start))
        return np.random.Generator(bit_generator).random(int(size))

    def draw_at(self, positions):
        """The keys of increasing ``positions``: ``draw(0, n)[positions]``
        without drawing the keys between them where they are sparse.

        Examples
        --------
        >>> import numpy as np
        >>> keys = KeyStream(seed=3, round=0)
        >>> np.array_equal(keys.draw_at([2, 900]), keys.draw(0, 901)[[2, 900]])
        True
        """
        positions = np.asarray(positions, dtype=np.int64)
        if positions.shape[0] == 0:
            return np.empty(0)
        first = int(positions[0])
        span = int(positions[-1]) - first + 1
        if positions.shape[0] * _SEEK_COST >= span:
            return self.draw(first, span)[positions - first]
        # A query's later chunks keep a handful of rows each: seeking to
        # each one costs less than drawing the whole chunk's keys.
        bit_generator = np.random.PCG64(self._words)
        generator = np.random.Generator(bit_generator)
        keys = np.empty(positions.shape[0])
        at = 0
        for i, position in enumerate(positions.tolist()):
            bit_generator.advance(position - at)
            keys[i] = generator.random()
            at = position + 1
        return keys


def reseed(estimator, rng):
    """Give every ``random_state`` parameter of ``estimator`` (nested ones too)
    a seed drawn from ``rng``, in parameter-name order.

    As in :class:`~sklearn.ensemble.BaggingClassifier`: members of a
    randomized estimator must differ from each other, and the learner's
    ``random_state`` must reproduce them. scikit-learn's own helper for this
    (``sklearn.ensemble._base._set_random_states``) is private API, so it is
    not called here.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from skal._random import reseed
    >>> forest = reseed(RandomForestClassifier(), np.random.default_rng(0))
    >>> isinstance(forest.random_state, int)
    True
    """
    keys = sorted(
        key
        for key in estimator.get_params(deep=True)
        if key == "random_state" or key.endswith("__random_state")
    )
    if keys:
        estimator.set_params(**{key: draw_seed(rng) for key in keys})
    return estimator


def _torch_net(estimator):
    from skal._pipeline import final_step

    final = final_step(estimator)
    return any(cls.__module__.split(".")[0] == "skorch" for cls in type(final).__mro__)


def seeded_fit(estimator, X, y, seed):
    """Fit ``estimator`` with its randomness drawn from ``seed``.

    ``random_state`` parameters left at None (nested ones too) get seeds
    from ``seed``; a value the user set is kept. A skorch network, whose
    initialisation and shuffling draw from torch's global generator and which
    has no ``random_state``, is fitted under ``torch.random.fork_rng`` seeded
    from ``seed``, so the caller's torch streams are left untouched.
    """
    rng = np.random.default_rng(seed)
    keys = sorted(
        key
        for key, value in estimator.get_params(deep=True).items()
        if (key == "random_state" or key.endswith("__random_state")) and value is None
    )
    if keys:
        estimator.set_params(**{key: draw_seed(rng) for key in keys})
    if not _torch_net(estimator):
        return estimator.fit(X, y)
    import torch

    devices = (
        list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    )
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(draw_seed(rng))
        return estimator.fit(X, y)
