"""Sphinx configuration: user guide in Markdown (MyST), API reference from the
numpydoc docstrings of every public module, generated at build time so that a
new module is documented without touching this file."""

import pkgutil

import skal

project = "skal"
author = "skal developers"
copyright = "skal developers"
release = version = skal.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
myst_heading_anchors = 3
html_theme = "alabaster"
html_static_path = ["_static"]
html_title = f"skal {release}"

autodoc_default_options = {"members": True, "member-order": "bysource"}
# Optional backends: the API pages document their wrappers without importing
# TensorFlow or torch (neither is needed to build the docs).
autodoc_mock_imports = ["tensorflow", "keras", "scikeras", "torch", "skorch"]
# numpydoc lists a class's members itself from the docstring sections; an
# autosummary table per class would need stub pages for every method.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False


def _public_modules():
    names = []
    for info in pkgutil.walk_packages(skal.__path__, "skal."):
        parts = info.name.split(".")
        if any(p.startswith("_") or p == "conftest" for p in parts):
            continue
        names.append(info.name)
    return sorted(names)


def _api_reference():
    lines = []
    for name in _public_modules():
        lines += [
            "",
            f"``{name}``",
            "-" * (len(name) + 4),
            "",
            f".. automodule:: {name}",
            "",
        ]
    return "\n".join(lines)


def _fill_api(app, docname, source):
    if docname == "api":
        source[0] = source[0].replace(".. skal-api-modules", _api_reference())


def _skip_member(app, what, name, obj, skip, options):
    # scikit-learn generates set_*_request methods on every estimator class
    # for metadata routing; they are its API, documented there, not skal's.
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return skip


def setup(app):
    app.connect("source-read", _fill_api)
    app.connect("autodoc-skip-member", _skip_member)
