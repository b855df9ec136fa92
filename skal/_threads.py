"""BLAS and OpenMP threads of parallel work: the cores are shared, never
multiplied.

joblib's process workers (loky) start with ``cpu_count // n_jobs`` BLAS
threads each. Thread workers share the process's own pools, which default
to one thread per core: ``n_jobs`` worker threads each running a matrix
product on that many threads oversubscribe the cores (on 2 cores two
OpenBLAS threads per worker ran 5-10x slower, docs/scaling.md). Every
parallel section of skal (pool chunks, committee members, hypothetical
refits) runs under :func:`limited_threads`, which lowers the pools to
``cpu_count // n_jobs`` threads for its duration and never raises them.
"""

from contextlib import contextmanager

from joblib import cpu_count, effective_n_jobs

__all__ = ["limited_threads", "worker_threads"]


def worker_threads(n_jobs):
    """Threads each of ``n_jobs`` workers may use: the cores, shared."""
    return max(1, cpu_count() // max(effective_n_jobs(n_jobs), 1))


@contextmanager
def limited_threads(n_jobs):
    """Lower the BLAS / OpenMP pools to :func:`worker_threads` while parallel
    work runs (nothing changes for sequential work or pools already lower)."""
    if effective_n_jobs(n_jobs) == 1:
        yield
        return
    from threadpoolctl import ThreadpoolController

    target = worker_threads(n_jobs)
    controller = ThreadpoolController()
    lower = [lib for lib in controller.lib_controllers if lib.num_threads > target]
    if not lower:
        yield
        return
    previous = [(lib, lib.num_threads) for lib in lower]
    for lib in lower:
        lib.set_num_threads(target)
    try:
        yield
    finally:
        for lib, n in previous:
            lib.set_num_threads(n)
