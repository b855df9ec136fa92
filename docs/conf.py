"""Sphinx configuration of skal's documentation.

- pydata-sphinx-theme, pages in Markdown (MyST) and reStructuredText;
- the API reference generated from ``__all__``, one page per public object,
  under the import path (``sphinxext/skal_api.py``);
- every script in ``examples/`` executed by sphinx-gallery at build time, at
  the small size that ``SKAL_QUICK_EXAMPLES=1`` selects;
- intersphinx to Python, numpy, scipy, scikit-learn, joblib, dask, skorch,
  scikeras, ... from inventories made offline from the installed packages
  (``sphinxext/offline_intersphinx.py``);
- ``nitpicky``: a cross-reference that resolves nowhere is an error.

Build: ``pip install -e ".[all,docs]" && python -m sphinx -W -b html docs
docs/_build/html`` (``tests/test_docs.py`` runs it in the test suite).
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "sphinxext"))

# The gallery runs each example at its small size (seconds, not minutes);
# the examples print their full-size numbers in their text.
os.environ.setdefault("SKAL_QUICK_EXAMPLES", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

import skal  # noqa: E402

project = "skal"
author = "skal developers"
copyright = "skal developers"
version = release = skal.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_design",
    "sphinx_gallery.gen_gallery",
    "offline_intersphinx",
    "skal_api",
    "skal_pages",
    "skal_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
# sphinx-gallery's own index and timing pages: examples.md is the gallery's
# page, and the timings would load scripts from a CDN.
exclude_patterns = [
    "_build",
    "auto_examples/index.rst",
    "auto_examples/sg_execution_times.rst",
    "sg_execution_times.rst",
]
templates_path = ["_templates"]
nitpicky = True
default_role = "obj"

# ---------------------------------------------------------------- MyST
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# ---------------------------------------------------------------- API pages
autosummary_generate = False  # skal_api writes every page itself
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
autodoc_inherit_docstrings = True
numpydoc_show_class_members = False  # skal_api lists the methods
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = True
numpydoc_xref_aliases = {
    # scikit-learn's vocabulary, linked to its glossary.
    "array-like": ":term:`array-like`",
    "array_like": ":term:`array-like`",
    "sparse matrix": ":term:`sparse matrix`",
    "estimator": ":term:`estimator`",
    "estimators": ":term:`estimators`",
    "classifier": ":term:`classifier`",
    "regressor": ":term:`regressor`",
    "transformer": ":term:`transformer`",
    "cross-validation splitter": ":term:`cross-validation splitter`",
    "callable": ":term:`python:callable`",
    "iterable": ":term:`python:iterable`",
    "path-like": ":term:`python:path-like object`",
    "file-like": ":term:`python:file-like object`",
    "mapping": ":term:`python:mapping`",
    "sequence": ":term:`python:sequence`",
    # Short names that docstrings use for well-known types.
    "ndarray": "numpy.ndarray",
    "Generator": "numpy.random.Generator",
    "RandomState": "numpy.random.RandomState",
    "DataFrame": "pandas.DataFrame",
    "Series": "pandas.Series",
    "Pipeline": "sklearn.pipeline.Pipeline",
    "Axes": "matplotlib.axes.Axes",
    "Figure": "matplotlib.figure.Figure",
    "Line2D": "matplotlib.lines.Line2D",
    "PolyCollection": "matplotlib.collections.PolyCollection",
    "PathCollection": "matplotlib.collections.PathCollection",
    "ErrorbarContainer": "matplotlib.container.ErrorbarContainer",
    "Colorbar": "matplotlib.colorbar.Colorbar",
    "QuadContourSet": "matplotlib.contour.QuadContourSet",
    "Colormap": "matplotlib.colors.Colormap",
    "ndarrays": "numpy.ndarray",
    "float32": "numpy.float32",
    "float64": "numpy.float64",
    "int64": "numpy.int64",
    "uint8": "numpy.uint8",
    "Dataset": "torch.utils.data.Dataset",
    "DataLoader": "torch.utils.data.DataLoader",
    "Path": "pathlib.Path",
    "dask array": "dask.array.Array",
}
numpydoc_xref_ignore = {
    "of",
    "or",
    "and",
    "shape",
    "default",
    "optional",
    "instance",
    "object",
    "objects",
    "type",
    "n_inputs",
    "n_clusters",
    "n_samples",
    "n_features",
    "n_classes",
    "n_members",
    "n_queries",
    "n_passes",
    "n_outputs",
    "n_rows",
    "n_pool",
    "n_labeled",
    "n_components",
    "n_repeats",
    "n_points",
    "k",
    "n",
    "like",
    "same",
    "as",
    "with",
    "positive",
    "non-negative",
    "in",
    "to",
    "any",
    "the",
    "a",
    "an",
    "one",
    "per",
    "its",
    "each",
    "from",
    # Words of the docstrings' type phrases that name no object:
    # "skal active learner", "list of (int, label) tuples", ...
    "active",
    "class",
    "container",
    "fitted",
    "label",
    "learner",
    "learners",
    "matplotlib",
    "skal",
    "text",
    "those",
    "three",
    "tuples",
    "torch",
    "criterion",
    "height",
    "width",
    "n_dims",
    "n_new",
    "n_reference",
    "n_tasks",
    "file",
    "matrix",
    "n_columns",
    "pending",
    "X",
    "y",
    "round",
    "scores",
    "sparse",
    # skal's private committees (the fitted estimator_ of committee learners).
    "ClassifierCommittee",
    "RegressorCommittee",
    # ipywidgets documents its widgets in notebooks, anywidget on a website:
    # neither has an API inventory to link to.
    "ipywidgets.VBox",
    "ipywidgets.Output",
    "anywidget.AnyWidget",
}

# ---------------------------------------------------------------- intersphinx
intersphinx_mapping = {}
offline_intersphinx = [
    "python",
    "numpy",
    "scipy",
    "sklearn",
    "joblib",
    "dask",
    "distributed",
    "skorch",
    "scikeras",
    "torch",
    "keras",
    "matplotlib",
    "pytest",
    "pandas",
    "requests",
]

# ---------------------------------------------------------------- gallery
sphinx_gallery_conf = {
    "examples_dirs": str(HERE.parent / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r".*\.py$",
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "skal_gallery.ExampleOrder",
    "minigallery_sort_order": "skal_gallery.example_order_key",
    "backreferences_dir": "api/generated/backreferences",
    "doc_module": ("skal",),
    "download_all_examples": False,
    "abort_on_example_error": True,
    # sphinx-gallery skips an example whose source has not changed since the
    # last build in this checkout; the docs test runs them all, as CI does.
    "run_stale_examples": os.environ.get("SKAL_DOCS_RUN_ALL_EXAMPLES") == "1",
    "remove_config_comments": True,
    # Each page says how long its example ran (the timing pages are excluded).
    "write_computation_times": True,
    "min_reported_time": 1,
    "reset_modules": ("matplotlib",),
}

# ---------------------------------------------------------------- HTML
html_theme = "pydata_sphinx_theme"
html_title = f"skal {release}"
html_static_path = ["_static"]
html_css_files = ["skal.css"]
html_theme_options = {
    "logo": {"text": "skal"},
    "navbar_start": ["navbar-logo", "skal-version"],
    "navbar_end": ["theme-switcher"],
    "header_links_before_dropdown": 6,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
    "footer_start": ["copyright"],
    "footer_end": ["skal-version-footer"],
}
html_context = {"default_mode": "light"}
# The migration guides put two code columns side by side: they get the width.
html_sidebars = {"index": [], "changelog": [], "migration/*": []}
html_show_sourcelink = True
