"""The API reference, generated from ``__all__``: one page per public object.

At ``config-inited`` (before autosummary looks for its directives) this writes
``api/index.rst`` (every public module with a table of its objects) and one
page per module (``api/skal.neural.rst``: the module's docstring and the
same table, whose toctree makes autosummary generate one page per object).
Nothing is listed by hand: a name added to a module's ``__all__`` gets its
page at the next build.

Each object is documented once, under the import path a user types: what
``import skal`` exports is ``skal.UncertaintySamplingClassifier``, not
``skal.uncertainty.UncertaintySamplingClassifier``; a module that re-exports
an object of another public module (``skal.loop.AnnotationLoop`` is
``skal.AnnotationLoop``) points to it. Cross-references written with the
defining module's path (in docstrings, type hints, "Bases:" lines) are
resolved to the documented name by the ``missing-reference`` handler below.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

#: The public modules, in the order the API index lists them. A module not
#: listed here (skal.uncertainty, skal.base, ...) has everything it exports
#: documented under one of these names; tests/test_docs.py checks that.
PUBLIC_MODULES = (
    "skal",
    "skal.scoring",
    "skal.selection",
    "skal.evaluation",
    "skal.plotting",
    "skal.callbacks",
    "skal.engine",
    "skal.loop",
    "skal.stopping",
    "skal.oracles",
    "skal.terminal",
    "skal.widget",
    "skal.journal",
    "skal.csv_labeling",
    "skal.integrations.label_studio",
    "skal.neural",
    "skal.datasets",
    "skal.utils.estimator_checks",
)

#: What ``import skal`` exports is grouped on its page by kind; a new export
#: lands in the first group whose test it passes.
TOP_LEVEL_GROUPS = (
    ("Learners", lambda obj: _is_learner(obj)),
    ("Annotation loop and journal", lambda obj: _module_of(obj) in _LOOP_MODULES),
    ("Self-training", lambda obj: _module_of(obj) == "skal.self_training"),
    ("Base class and constants", lambda obj: True),
)
_LOOP_MODULES = {"skal.loop", "skal.journal", "skal.journal._journal"}


def _module_of(obj):
    return getattr(obj, "__module__", None)


def _is_learner(obj):
    from skal import BaseActiveLearner

    return (
        inspect.isclass(obj)
        and issubclass(obj, BaseActiveLearner)
        and (obj is not BaseActiveLearner)
    )


@dataclass(frozen=True)
class Item:
    """One public object: where it is documented, and what it is."""

    fullname: str  # the documented name, e.g. skal.AnnotationLoop
    module: str  # the public module it is listed in
    kind: str  # class, function or data
    obj: object


def _kind(obj):
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return "data"


def public_names(module_name):
    module = importlib.import_module(module_name)
    names = [n for n in getattr(module, "__all__", ()) if n != "__version__"]
    return module, names


def api_items():
    """``{module: [Item]}``, and ``{id(obj): documented name}``.

    An object that two public modules export is documented in the first one
    of ``PUBLIC_MODULES`` (``skal`` before its submodules); plain constants
    (strings, numbers) that two modules share are matched by their defining
    module where they have one.
    """
    documented = {}
    listed = {}
    for module_name in PUBLIC_MODULES:
        module, names = public_names(module_name)
        items = []
        for name in names:
            obj = getattr(module, name)
            key = _identity(obj)
            if key is not None and key in documented:
                continue  # documented under an earlier module; linked to there
            item = Item(f"{module_name}.{name}", module_name, _kind(obj), obj)
            if key is not None:
                documented[key] = item.fullname
            items.append(item)
        listed[module_name] = items
    return listed, documented


def _identity(obj):
    # Identity is meaningful for classes, functions and containers; small
    # strings and numbers are interned, so two unrelated constants could share
    # an id. Those are told apart by name in resolve_alias.
    if isinstance(obj, str | int | float | bool | type(None)):
        return None
    return id(obj)


def reexports(module_name, documented):
    """The names a module exports that are documented elsewhere."""
    module, names = public_names(module_name)
    out = []
    for name in names:
        key = _identity(getattr(module, name))
        target = documented.get(key)
        if target is not None and target != f"{module_name}.{name}":
            out.append((name, target))
    return out


# ---------------------------------------------------------------- the pages


def _title(text, char):
    return [text, char * len(text), ""]


def _autosummary(names, toctree=None, current=None):
    lines = [".. autosummary::"]
    if toctree:
        lines += [f"   :toctree: {toctree}"]
    lines += ["   :nosignatures:", ""]
    for name in names:
        lines.append(f"   {name.removeprefix(current + '.') if current else name}")
    return lines + [""]


def _summary(module_name):
    module = importlib.import_module(module_name)
    doc = inspect.getdoc(module) or ""
    return doc.split("\n\n")[0].replace("\n", " ")


def _top_level_groups(items):
    groups = {title: [] for title, _ in TOP_LEVEL_GROUPS}
    for item in items:
        for title, test in TOP_LEVEL_GROUPS:
            if test(item.obj):
                groups[title].append(item)
                break
    return [(title, found) for title, found in groups.items() if found]


def _sections(module_name, items):
    if module_name == "skal":
        return _top_level_groups(items)
    return [(None, items)]


def index_page(listed):
    lines = [
        ".. _api:",
        "",
        *_title("API reference", "="),
        "Every public object of skal, under the import path to use: what",
        "``import skal`` exports first, then one section per module. Each",
        "name links to its page, each section title to its module's page.",
        "",
        ".. toctree::",
        "   :hidden:",
        "",
        *[f"   {module_name}" for module_name in PUBLIC_MODULES],
        "",
    ]
    for module_name in PUBLIC_MODULES:
        lines += _title(f":mod:`{module_name}`", "-")
        # Summaries name objects relative to their module.
        lines += [f".. currentmodule:: {module_name}", "", _summary(module_name), ""]
        for title, items in _sections(module_name, listed[module_name]):
            if title:
                lines += _title(title, "~")
            lines += _autosummary(
                [item.fullname for item in items], current=module_name
            )
    return "\n".join(lines)


def module_page(module_name, listed, documented):
    lines = [
        *_title(module_name, "="),
        f".. automodule:: {module_name}",
        "   :no-members:",
        "",
    ]
    for title, items in _sections(module_name, listed[module_name]):
        if title:
            lines += _title(title, "-")
        lines += _autosummary(
            [item.fullname for item in items], toctree="generated/", current=module_name
        )
    shared = reexports(module_name, documented)
    if shared:
        names = ", ".join(f":obj:`~{target}`" for _, target in shared)
        lines += [
            f"``{module_name}`` also exports {names}, documented under that name.",
            "",
        ]
    return "\n".join(lines)


def _defining_class(cls, name):
    for klass in inspect.getmro(cls):
        if name in vars(klass):
            return klass
    return None


def _is_skal(obj):
    return (getattr(obj, "__module__", None) or "").split(".")[0] == "skal"


def class_members(cls):
    """The public members a skal class defines or inherits from skal classes.

    What it inherits from scikit-learn, skorch or scikeras is documented
    there (the page's "Bases:" line links to it); an inherited member without
    a docstring (a callback's no-op hooks) is documented on the class that
    defines it.
    """
    methods, attributes = [], []
    names = [n for n in dir(cls) if not n.startswith("_")]
    if "__call__" in dir(cls) and _is_skal(_defining_class(cls, "__call__")):
        names.insert(0, "__call__")
    for name in names:
        owner = _defining_class(cls, name)
        if owner is None or not _is_skal(owner):
            continue
        if name.startswith("set_") and name.endswith("_request"):
            continue  # scikit-learn's metadata routing, generated per class
        attr = inspect.getattr_static(cls, name)
        if owner is not cls and not inspect.getdoc(getattr(cls, name, None)):
            continue
        if isinstance(attr, classmethod | staticmethod) or (
            callable(attr) and not inspect.isclass(attr)
        ):
            methods.append(name)
        elif isinstance(attr, property) or inspect.isdatadescriptor(attr):
            attributes.append(name)
    return methods, attributes


def _class_page(item):
    module, name = item.fullname.rsplit(".", 1)
    methods, attributes = class_members(item.obj)
    members = [*methods, *attributes]
    lines = [
        *_title(item.fullname, "="),
        f".. currentmodule:: {module}",
        "",
        f".. autoclass:: {name}",
        "   :show-inheritance:",
        "   :undoc-members:",
    ]
    specials = [m for m in members if m.startswith("__")]
    public = [m for m in members if not m.startswith("__")]
    lines += [f"   :members: {', '.join(public)}" if public else "   :no-members:"]
    if specials:
        lines += [f"   :special-members: {', '.join(specials)}"]
    lines += [""]
    if methods:
        lines += [
            "   .. rubric:: Methods",
            "",
            *[
                "   " + line if line else ""
                for line in _autosummary([f"~{name}.{m}" for m in methods])
            ],
        ]
    return lines


def _function_page(item):
    module, name = item.fullname.rsplit(".", 1)
    return [
        *_title(item.fullname, "="),
        f".. currentmodule:: {module}",
        "",
        f".. autofunction:: {name}",
        "",
    ]


def constant_doc(item):
    """The ``#:`` comment of a constant, from the module that assigns it."""
    from sphinx.pycode import ModuleAnalyzer

    import skal

    candidates = [item.module]
    for info in pkgutil.walk_packages(skal.__path__, "skal."):
        candidates.append(info.name)
    name = item.fullname.rsplit(".", 1)[1]
    for module_name in candidates:
        try:
            module = importlib.import_module(module_name)
            docs = ModuleAnalyzer.for_module(module_name).find_attr_docs()
        except Exception:
            continue
        if ("", name) in docs and getattr(module, name, None) is item.obj:
            return list(docs[("", name)])
    return []


def _data_page(item):
    module, name = item.fullname.rsplit(".", 1)
    lines = [
        *_title(item.fullname, "="),
        f".. currentmodule:: {module}",
        "",
        f".. data:: {name}",
    ]
    value = repr(item.obj)
    if len(value) <= 72 and "\n" not in value:
        lines += [f"   :value: {value}"]
    else:
        lines += [f"   :type: {type(item.obj).__name__}"]
    lines += [""]
    lines += ["   " + line if line else "" for line in constant_doc(item)]
    if isinstance(item.obj, dict) and len(value) > 72:
        keys = ", ".join(f"``{key!r}``" for key in item.obj)
        lines += ["", f"   Keys: {keys}."]
    return lines + [""]


def object_page(item):
    if item.kind == "class":
        lines = _class_page(item)
    elif item.kind == "function":
        lines = _function_page(item)
    else:
        return "\n".join(_data_page(item))
    objname = item.fullname.rsplit(".", 1)[1]
    lines += [
        "",
        f".. minigallery:: {item.fullname}",
        f"   :add-heading: Examples using ``{objname}``",
        "",
    ]
    return "\n".join(lines)


def _write_if_changed(path, text):
    # An unchanged page keeps its mtime, so an incremental build re-reads only
    # what changed.
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _sync(folder, pages):
    """Write ``{filename: text}`` into ``folder``; remove its other pages."""
    for stale in folder.glob("*.rst"):
        if stale.name not in pages:
            stale.unlink()
    for filename, text in pages.items():
        _write_if_changed(folder / filename, text + "\n")


def write_pages(srcdir):
    listed, documented = api_items()
    api = Path(srcdir) / "api"
    pages = {"index.rst": index_page(listed)}
    for module_name in PUBLIC_MODULES:
        pages[f"{module_name}.rst"] = module_page(module_name, listed, documented)
    _sync(api, pages)
    _sync(
        api / "generated",
        {
            f"{item.fullname}.rst": object_page(item)
            for items in listed.values()
            for item in items
        },
    )
    return listed, documented


# ---------------------------------------------------------------- references


def _documented_name(target, documented):
    """The documented name of ``target``, a dotted path into skal, or None."""
    parts = target.split(".")
    for split in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:split])
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        obj = owner = module
        try:
            for attr in parts[split:]:
                owner, obj = obj, getattr(obj, attr)
        except AttributeError:
            return None
        name = documented.get(_identity(obj))
        if name is not None:
            return name
        # A method or attribute: documented on its class's page.
        owner_name = documented.get(_identity(owner))
        if owner_name is not None and inspect.isclass(owner):
            return f"{owner_name}.{parts[-1]}"
        return None
    return None


def short_names(listed):
    """``{name: documented name}`` for the names no two objects share."""
    seen = {}
    for items in listed.values():
        for item in items:
            seen.setdefault(item.fullname.rsplit(".", 1)[1], set()).add(item.fullname)
    return {name: full.pop() for name, full in seen.items() if len(full) == 1}


def resolve_target(target, state):
    """Where a reference skal's pages make resolves to, or None.

    - ``skal.uncertainty.UncertaintySamplingClassifier`` (the defining
      module's path, as in type hints and "Bases:") ->
      ``skal.UncertaintySamplingClassifier``;
    - ``Callback`` or ``Journal.relabel`` (a short name in a docstring of
      another module) -> ``skal.engine.Callback``, if only one public object
      has that name.
    """
    listed, documented, short = state
    if target.startswith("skal."):
        return _documented_name(target, documented)
    head, _, rest = target.partition(".")
    if head in short:
        return short[head] + (f".{rest}" if rest else "")
    return None


def documented_attribute(cls, name):
    """Whether ``cls``'s docstring describes an attribute ``name``."""
    from numpydoc.docscrape import ClassDoc

    try:
        doc = ClassDoc(cls, config={"show_class_members": False})
    except Exception:
        return False
    # An Attributes entry, or a parameter (stored under its own name, as
    # scikit-learn's convention has it).
    return any(
        name in [part.strip() for part in entry.name.split(",")]
        for section in ("Attributes", "Parameters")
        for entry in doc[section]
    )


def _attribute_of_class(node, state):
    """``:attr:`widget``` in a class's docstring, for an attribute that only
    its Attributes section describes: the class's page."""
    listed, documented, short = state
    target = node.get("reftarget", "")
    context = node.get("py:class")
    module = node.get("py:module")
    if node.get("reftype") != "attr" or not context or "." in target:
        return None
    name = documented_name_of(f"{module}.{context}", documented)
    if name is None:
        return None
    module_name, _, qualname = name.rpartition(".")
    cls = getattr(importlib.import_module(module_name), qualname, None)
    if inspect.isclass(cls) and documented_attribute(cls, target):
        return name
    return None


def documented_name_of(path, documented):
    return _documented_name(path, documented) or (
        path if _identity_of(path) in documented else None
    )


def _identity_of(path):
    module_name, _, name = path.rpartition(".")
    try:
        return _identity(getattr(importlib.import_module(module_name), name))
    except (ImportError, AttributeError, ValueError):
        return None


def _missing_reference(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    owner = _attribute_of_class(node, app.skal_api_state)
    if owner is not None:
        return env.get_domain("py").resolve_xref(
            env, node["refdoc"], app.builder, "class", owner, node, contnode
        )
    name = resolve_target(target, app.skal_api_state)
    if name is None or name == target:
        return None
    domain = env.get_domain("py")
    return domain.resolve_xref(
        env, node["refdoc"], app.builder, node["reftype"], name, node, contnode
    )


def _process_bases(app, name, obj, options, bases):
    """ "Bases:" lists what a user can look up: public skal classes and
    other projects' classes; skal's private mixins are left out."""
    documented = app.skal_api_state[1]
    bases[:] = [
        base for base in bases if not _is_skal(base) or _identity(base) in documented
    ]
    if bases == [object]:
        bases.clear()


def _config_inited(app, config):
    listed, documented = write_pages(app.srcdir)
    app.skal_api_state = (listed, documented, short_names(listed))


def setup(app):
    app.connect("config-inited", _config_inited)
    app.connect("missing-reference", _missing_reference, priority=400)
    app.connect("autodoc-process-bases", _process_bases)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
