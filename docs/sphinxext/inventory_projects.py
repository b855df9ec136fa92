"""Where each project's documentation puts its API pages (offline_intersphinx).

One :class:`~offline_intersphinx.Project` per intersphinx key: the modules
walked, the rule that turns a public name into its page, and the pages that
break the rule, listed by hand. The rules are those of each project's current
``stable`` documentation; ``tests/test_docs.py`` pins the URL of the objects
skal's pages link to.
"""

from __future__ import annotations

import builtins
import inspect

from offline_intersphinx import Project, role_of


def _flat(prefix):
    """Every object on its own page, named after it, under ``prefix``."""
    return lambda module, fullname, obj: f"{prefix}{fullname}.html"


def _own_page(class_page, fullname):
    """A member on its own page, next to its class's."""
    return f"{class_page.rsplit('/', 1)[0]}/{fullname}.html"


# ---------------------------------------------------------------- Python

_PY_MODULES = (
    "abc", "collections", "collections.abc", "concurrent.futures",
    "contextlib", "csv", "dataclasses", "datetime", "enum", "functools",
    "hashlib", "io", "itertools", "json", "logging", "math", "numbers",
    "operator", "os", "os.path", "pathlib", "pickle", "random", "re",
    "shutil", "sqlite3", "subprocess", "sys", "tempfile", "threading",
    "time", "typing", "uuid", "warnings",
)  # fmt: skip

_STDTYPES = {
    "bytearray", "bytes", "dict", "frozenset", "list", "memoryview", "range",
    "set", "str", "tuple",
}  # fmt: skip


def _python_builtins():
    """Builtins are listed without ``builtins.``, on three pages."""
    for name, obj in vars(builtins).items():
        if name.startswith("_"):
            continue
        role = role_of(obj)
        if role == "py:exception":
            yield name, role, "library/exceptions.html", name
        elif role == "py:class":
            page = "stdtypes" if name in _STDTYPES else "functions"
            yield name, role, f"library/{page}.html", name
        elif role == "py:function":
            yield name, role, "library/functions.html", name
    for name in ("None", "True", "False", "NotImplemented", "Ellipsis"):
        yield name, "py:data", "library/constants.html", name


PYTHON = Project(
    name="python",
    url="https://docs.python.org/3/",
    distribution="python",
    modules=_PY_MODULES,
    object_page=lambda module, fullname, obj: f"library/{module}.html",
    module_page=lambda module: (f"library/{module}.html", f"module-{module}"),
    data_page=lambda module: f"library/{module}.html",
    terms={
        term: "glossary.html"
        for term in (
            "callable",
            "context manager",
            "file object",
            "file-like object",
            "generator",
            "hashable",
            "iterable",
            "iterator",
            "mapping",
            "path-like object",
            "sequence",
        )
    },  # fmt: skip
    extra=_python_builtins,
    manual={
        # numpydoc links the type "bool" to this label.
        "bltin-boolean-values": (
            "std:label",
            "library/stdtypes.html",
            "bltin-boolean-values",
        ),
    },
)


# ---------------------------------------------------------------- numpy


def _numpy_page(module, fullname, obj):
    import numpy as np

    if inspect.isclass(obj) and issubclass(obj, np.generic):
        return "reference/arrays.scalars.html"
    if module == "numpy.typing":
        return "reference/typing.html"
    if module == "numpy.random":
        special = {
            "Generator": "generator",
            "default_rng": "generator",
            "RandomState": "legacy",
        }
        name = fullname.rsplit(".", 1)[1]
        if name in special:
            return f"reference/random/{special[name]}.html"
        if name in {"SeedSequence", "BitGenerator"}:
            return f"reference/random/bit_generators/generated/{fullname}.html"
        if inspect.isclass(obj):  # the bit generators
            return f"reference/random/bit_generators/{name.lower()}.html"
        return f"reference/random/generated/{fullname}.html"
    return f"reference/generated/{fullname}.html"


def _numpy_member_page(class_page, fullname):
    if class_page.startswith("reference/random/"):
        return f"reference/random/generated/{fullname}.html"
    if class_page == "reference/arrays.scalars.html":
        return class_page
    return _own_page(class_page, fullname)


NUMPY = Project(
    name="numpy",
    url="https://numpy.org/doc/stable/",
    distribution="numpy",
    modules=("numpy", "numpy.linalg", "numpy.random", "numpy.typing"),
    object_page=_numpy_page,
    module_page=lambda module: (
        {
            "numpy": "reference/index.html",
            "numpy.linalg": "reference/routines.linalg.html",
            "numpy.random": "reference/random/index.html",
            "numpy.typing": "reference/typing.html",
        }[module],
        f"module-{module}",
    ),
    member_page=_numpy_member_page,
    data_page=lambda module: "reference/constants.html",
    terms={"array_like": "glossary.html"},
)


# ---------------------------------------------------------------- scipy

SCIPY = Project(
    name="scipy",
    url="https://docs.scipy.org/doc/scipy/",
    distribution="scipy",
    modules=(
        "scipy.cluster.vq",
        "scipy.linalg",
        "scipy.optimize",
        "scipy.sparse",
        "scipy.sparse.csgraph",
        "scipy.sparse.linalg",
        "scipy.spatial",
        "scipy.spatial.distance",
        "scipy.special",
        "scipy.stats",
    ),  # fmt: skip
    object_page=_flat("reference/generated/"),
    module_page=lambda module: (
        f"reference/{module.removeprefix('scipy.')}.html",
        f"module-{module}",
    ),
    member_page=_own_page,
)


# ---------------------------------------------------------------- scikit-learn

SKLEARN = Project(
    name="sklearn",
    url="https://scikit-learn.org/stable/",
    distribution="scikit-learn",
    modules=("sklearn.*",),
    exclude=("sklearn.externals", "sklearn.experimental"),
    object_page=_flat("modules/generated/"),
    # One API page per top-level module; a deeper module is a section of it.
    module_page=lambda module: (
        f"api/{'.'.join(module.split('.')[:2])}.html",
        f"module-{module}",
    ),
    terms={
        term: "glossary.html"
        for term in (
            "1d array",
            "2d array",
            "array-like",
            "classifier",
            "clone",
            "cross-validation splitter",
            "decision_function",
            "estimator",
            "estimators",
            "feature",
            "features",
            "fit",
            "get_params",
            "meta-estimator",
            "n_jobs",
            "partial_fit",
            "predict",
            "predict_proba",
            "random_state",
            "regressor",
            "sample",
            "samples",
            "score",
            "scorer",
            "semi-supervised",
            "set_params",
            "sparse matrix",
            "target",
            "transformer",
            "unlabeled data",
            "warm_start",
        )
    },  # fmt: skip
)


# ---------------------------------------------------------------- joblib, dask

JOBLIB = Project(
    name="joblib",
    url="https://joblib.readthedocs.io/en/stable/",
    distribution="joblib",
    modules=("joblib",),
    object_page=_flat("generated/"),
    module_page=lambda module: ("api.html", f"module-{module}"),
)

DASK = Project(
    name="dask",
    url="https://docs.dask.org/en/stable/",
    distribution="dask",
    modules=("dask.array", "dask.bag", "dask.dataframe", "dask.delayed"),
    object_page=_flat("generated/"),
    module_page=lambda module: (
        f"{module.removeprefix('dask.')}-api.html",
        f"module-{module}",
    ),
    member_page=_own_page,
    manual={
        name: ("py:function", f"api.html#{name}", "")
        for name in ("dask.compute", "dask.persist", "dask.visualize")
    }
    | {"dask": ("py:module", "index.html", "")},
)

DISTRIBUTED = Project(
    name="distributed",
    url="https://distributed.dask.org/en/stable/",
    distribution="distributed",
    modules=("distributed",),
    # distributed documents its API on one page.
    object_page=lambda module, fullname, obj: "api.html",
    module_page=lambda module: ("api.html", f"module-{module}"),
)


# ---------------------------------------------------------------- networks

SKORCH = Project(
    name="skorch",
    url="https://skorch.readthedocs.io/en/stable/",
    distribution="skorch",
    # One page per first-level module (skorch.callbacks lists its submodules'
    # callbacks), and skorch.NeuralNet & co. are re-exported at the top.
    modules=(
        "skorch",
        "skorch.callbacks",
        "skorch.classifier",
        "skorch.dataset",
        "skorch.exceptions",
        "skorch.helper",
        "skorch.history",
        "skorch.net",
        "skorch.probabilistic",
        "skorch.regressor",
        "skorch.scoring",
        "skorch.toy",
        "skorch.utils",
    ),  # fmt: skip
    aliases=True,
    object_page=lambda module, fullname, obj: (
        f"{module.removeprefix('skorch.')}.html" if module != "skorch" else None
    ),
    module_page=lambda module: (
        f"{module.removeprefix('skorch.')}.html"
        if module != "skorch"
        else "skorch.html",
        f"module-{module}",
    ),
)

SCIKERAS = Project(
    name="scikeras",
    url="https://www.adriangb.com/scikeras/stable/",
    distribution="scikeras",
    modules=("scikeras.wrappers",),
    object_page=_flat("generated/"),
    module_page=lambda module: ("api.html", f"module-{module}"),
)

TORCH = Project(
    name="torch",
    url="https://docs.pytorch.org/docs/stable/",
    distribution="torch",
    modules=("torch.nn", "torch.optim"),
    object_page=lambda module, fullname, obj: (
        f"generated/{fullname}.html" if inspect.isclass(obj) else None
    ),
    module_page=lambda module: (f"{module}.html", f"module-{module}"),
    manual={
        "torch.Tensor": ("py:class", "tensors.html", "torch.Tensor"),
        "torch.utils.data.Dataset": (
            "py:class",
            "data.html",
            "torch.utils.data.Dataset",
        ),
        "torch.utils.data.DataLoader": (
            "py:class",
            "data.html",
            "torch.utils.data.DataLoader",
        ),
    },
)


# Keras publishes no Sphinx inventory: its model classes, by hand.
KERAS = Project(
    name="keras",
    url="https://keras.io/api/",
    distribution="keras",
    modules=(),
    object_page=lambda module, fullname, obj: None,
    module_page=lambda module: ("", ""),
    manual={
        "keras.Model": ("py:class", "models/model/", ""),
        "keras.Sequential": ("py:class", "models/sequential/", ""),
    },
)


# ---------------------------------------------------------------- plots, tables


def _matplotlib_entries():
    """Matplotlib's classes: an autosummary page, or a section of a module's."""
    own_page = (
        "matplotlib.axes.Axes",
        "matplotlib.colors.Colormap",
        "matplotlib.figure.Figure",
        "matplotlib.lines.Line2D",
    )
    for name in own_page:
        yield name, "py:class", f"api/_as_gen/{name}.html", name
    yield (
        "matplotlib.pyplot.subplots",
        "py:function",
        "api/_as_gen/matplotlib.pyplot.subplots.html",
        "matplotlib.pyplot.subplots",
    )
    on_module_page = {
        "matplotlib.collections.PathCollection": "collections_api",
        "matplotlib.collections.PolyCollection": "collections_api",
        "matplotlib.colorbar.Colorbar": "colorbar_api",
        "matplotlib.container.ErrorbarContainer": "container_api",
        "matplotlib.contour.QuadContourSet": "contour_api",
    }
    for name, page in on_module_page.items():
        yield name, "py:class", f"api/{page}.html", name


MATPLOTLIB = Project(
    name="matplotlib",
    url="https://matplotlib.org/stable/",
    distribution="matplotlib",
    modules=(),
    object_page=lambda module, fullname, obj: None,
    module_page=lambda module: ("api/index.html", ""),
    extra=_matplotlib_entries,
)

PANDAS = Project(
    name="pandas",
    url="https://pandas.pydata.org/docs/",
    distribution="pandas",
    modules=("pandas",),
    object_page=lambda module, fullname, obj: (
        f"reference/api/{fullname}.html" if module == "pandas" else None
    ),
    module_page=lambda module: ("reference/index.html", ""),
    member_page=_own_page,
)

# requests documents its whole API on one page.
REQUESTS = Project(
    name="requests",
    url="https://requests.readthedocs.io/en/latest/",
    distribution="requests",
    modules=("requests",),
    object_page=lambda module, fullname, obj: "api.html",
    module_page=lambda module: ("api.html", f"module-{module}"),
)

# pytest documents its markers as sections of one reference page.
PYTEST = Project(
    name="pytest",
    url="https://docs.pytest.org/en/stable/",
    distribution="pytest",
    modules=(),
    object_page=lambda module, fullname, obj: None,
    module_page=lambda module: ("", ""),
    manual={
        "pytest.mark.parametrize": (
            "py:function", "reference/reference.html", "pytest-mark-parametrize",
        ),
    },
)  # fmt: skip

PROJECTS = {
    project.name: project
    for project in (
        PYTHON, NUMPY, SCIPY, SKLEARN, JOBLIB, DASK, DISTRIBUTED, SKORCH,
        SCIKERAS, TORCH, KERAS, MATPLOTLIB, PANDAS, PYTEST, REQUESTS,
    )
}  # fmt: skip
