"""Intersphinx without a network: inventories made from the installed packages.

Intersphinx links ``sklearn.pipeline.Pipeline`` to scikit-learn's page by
reading the ``objects.inv`` that scikit-learn publishes with its docs. The
machines that build skal's documentation (developers' and CI's) reach package
registries only, so that file cannot be downloaded. This extension writes an
equivalent inventory for each project instead, at build time, from the package
installed next to skal: it walks the package's public modules and maps every
public object to the page that the project's own documentation gives it. Each
project lays its API pages out by a rule (scikit-learn at
``modules/generated/<name>.html``, numpy at ``reference/generated/<name>.html``,
skorch one page per module, ...), written down in ``inventory_projects.py``
with the exceptions listed by hand. The file is written with Sphinx's own
inventory writer and handed to intersphinx as a local file, so resolution,
``:external:`` roles and sphinx-gallery's links in example code work as with
a downloaded inventory.

Why at build time and not a copy in the repository: the inventory then always
matches the versions that skal is built and tested against (a new scikit-learn
function is linkable the day it is installed), nothing binary is committed,
and the packages are imported anyway, by autodoc and by the executed gallery.
Each inventory is cached in the build's doctree folder, keyed by the package's
version and by this generator's source, so that a rebuild re-uses it.

Only what the walk finds gets an entry: a reference to anything else stays
unresolved and the nitpicky build says so, rather than linking to a page that
does not exist.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import inspect
import pkgutil
import platform
import types
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sphinx.util import logging
from sphinx.util.inventory import InventoryFile
from sphinx.util.nodes import _make_id

logger = logging.getLogger(__name__)

#: One inventory line: the object's name, its ``domain:role``, the page
#: (relative to the documentation's root) and the anchor on that page.
Entry = tuple[str, str, str, str]


@dataclass(frozen=True)
class Project:
    """How one project's documentation lays out its API pages.

    Parameters
    ----------
    name : str
        The intersphinx key.
    url : str
        The documentation's root; inventory pages are relative to it.
    distribution : str
        The installed distribution whose version names the inventory
        (``"python"``: the interpreter's).
    modules : tuple of str
        The modules to walk; ``"pkg.*"`` walks ``pkg`` and every public
        submodule.
    object_page : callable
        ``object_page(module, fullname, obj) -> page`` of a class or function;
        None leaves the object out.
    module_page : callable
        ``module_page(module) -> (page, anchor)``.
    member_page : callable, optional
        ``member_page(class_page, fullname) -> page`` of a method or attribute;
        None keeps members on their class's page.
    data_page : callable, optional
        ``data_page(module) -> page`` of a module's constants; None leaves
        constants out.
    terms : dict
        Glossary terms, ``{term: page}``; the anchor is Sphinx's own.
    manual : dict
        ``{name: (role, page, anchor)}``: objects outside the rule.
    aliases : bool
        Objects the top-level package re-exports keep the page of the
        submodule that documents them (``skorch.NeuralNetClassifier`` is on
        ``skorch.classifier``'s page).
    exclude : tuple of str
        Module prefixes not to walk.
    extra : callable, optional
        ``extra() -> entries``, for what no walk finds (Python's builtins).
    """

    name: str
    url: str
    distribution: str
    modules: tuple[str, ...]
    object_page: Callable[[str, str, object], str | None]
    module_page: Callable[[str], tuple[str, str]]
    member_page: Callable[[str, str], str] | None = None
    data_page: Callable[[str], str] | None = None
    terms: dict[str, str] = field(default_factory=dict)
    manual: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    aliases: bool = False
    exclude: tuple[str, ...] = ()
    extra: Callable[[], Iterable[Entry]] | None = None


# ---------------------------------------------------------------- the walk


def _is_public(name: str) -> bool:
    return not any(
        part.startswith("_") or part in {"tests", "testing", "conftest"}
        for part in name.split(".")
    )


def _import(name: str) -> types.ModuleType | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return importlib.import_module(name)
    except Exception:  # an optional dependency of that module is missing
        return None


def _modules(project: Project) -> list[types.ModuleType]:
    found: dict[str, types.ModuleType] = {}
    for pattern in project.modules:
        root = _import(pattern.removesuffix(".*"))
        if root is None:
            continue
        found.setdefault(root.__name__, root)
        if pattern.endswith(".*") and hasattr(root, "__path__"):
            for info in pkgutil.walk_packages(
                root.__path__, root.__name__ + ".", onerror=lambda name: None
            ):
                if not _is_public(info.name) or info.name.startswith(
                    project.exclude or ("\0",)
                ):
                    continue
                module = _import(info.name)
                if module is not None:
                    found.setdefault(info.name, module)
    return list(found.values())


def role_of(obj: object) -> str | None:
    """The inventory role of a module attribute (None for a submodule)."""
    if isinstance(obj, types.ModuleType):
        return None
    if inspect.isclass(obj):
        return "py:exception" if issubclass(obj, BaseException) else "py:class"
    if callable(obj):
        return "py:function"
    return "py:data"


def exports(module: types.ModuleType) -> Iterator[tuple[str, object]]:
    """A module's public names: its ``__all__``, else what it defines."""
    names = getattr(module, "__all__", None)
    explicit = names is not None
    if not explicit:
        names = [n for n in vars(module) if not n.startswith("_")]
    root = module.__name__.split(".")[0]
    for name in names:
        if not isinstance(name, str) or name.startswith("_"):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                obj = getattr(module, name)
        except Exception:
            continue
        if not explicit:
            origin = getattr(obj, "__module__", None)
            if not (isinstance(origin, str) and origin.split(".")[0] == root):
                continue  # imported from elsewhere, documented there
        yield name, obj


def members(cls: type) -> Iterator[tuple[str, str]]:
    """A class's public methods, properties and descriptors, inherited too."""
    for name in dir(cls):
        if name.startswith("_"):
            continue
        try:
            attr = inspect.getattr_static(cls, name)
        except AttributeError:
            continue
        if isinstance(attr, property):
            yield name, "py:property"
        elif isinstance(attr, classmethod | staticmethod) or callable(attr):
            yield name, "py:method"
        elif inspect.isdatadescriptor(attr):
            yield name, "py:attribute"


def entries(project: Project) -> list[Entry]:
    """Every line of the project's inventory."""
    found: dict[tuple[str, str], Entry] = {}

    def add(name, role, page, anchor):
        found.setdefault((name, role), (name, role, page, anchor))

    modules = _modules(project)
    listed = {m.__name__: list(exports(m)) for m in modules}
    canonical: dict[int, str] = {}
    if project.aliases:
        for module in modules:
            if "." in module.__name__:
                for name, obj in listed[module.__name__]:
                    if role_of(obj) not in (None, "py:data"):
                        canonical.setdefault(id(obj), f"{module.__name__}.{name}")
    for module in modules:
        page, anchor = project.module_page(module.__name__)
        add(module.__name__, "py:module", page, anchor)
        for name, obj in listed[module.__name__]:
            role = role_of(obj)
            fullname = f"{module.__name__}.{name}"
            if role is None:
                continue
            if role == "py:data":
                if project.data_page is not None:
                    add(fullname, role, project.data_page(module.__name__), fullname)
                continue
            target = canonical.get(id(obj), fullname)
            page = project.object_page(target.rsplit(".", 1)[0], target, obj)
            if page is None:
                continue
            add(fullname, role, page, target)
            if not inspect.isclass(obj):
                continue
            for member, member_role in members(obj):
                anchor = f"{target}.{member}"
                member_page = (
                    project.member_page(page, anchor) if project.member_page else page
                )
                add(f"{fullname}.{member}", member_role, member_page, anchor)
    for term, page in project.terms.items():
        add(term, "std:term", page, _make_id(f"term-{term}"))
    if project.extra is not None:
        for entry in project.extra():
            add(*entry)
    for name, (role, page, anchor) in project.manual.items():
        found[(name, role)] = (name, role, page, anchor)
    return sorted(found.values())


# ---------------------------------------------------------------- the file


class _Domain:
    def __init__(self, name, objects):
        self.name = name
        self._objects = objects

    def get_objects(self):
        return iter(self._objects)


class _Domains:
    def __init__(self, domains):
        self._domains = domains

    def sorted(self):
        return iter(self._domains)


class _Builder:
    @staticmethod
    def get_target_uri(docname):
        return docname  # entries carry the page itself, ".html" included


def write_inventory(path: Path, project: str, version: str, lines: list[Entry]):
    """Write ``lines`` to ``path`` as an ``objects.inv``, with Sphinx's writer."""
    by_domain: dict[str, list] = {}
    for name, role, page, anchor in lines:
        domain, objtype = role.split(":")
        by_domain.setdefault(domain, []).append((name, name, objtype, page, anchor, 1))
    env = types.SimpleNamespace(
        config=types.SimpleNamespace(project=project, version=version),
        domains=_Domains([_Domain(d, objs) for d, objs in sorted(by_domain.items())]),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    InventoryFile.dump(tmp, env, _Builder())
    tmp.replace(path)  # a reader never sees half a file


def installed_version(distribution: str) -> str | None:
    """The installed version; Python's own for the standard library."""
    if distribution == "python":
        return platform.python_version()
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def inventory_path(folder: Path, project: Project) -> Path | None:
    """The project's inventory under ``folder``, written unless already there.

    None when the project is not installed.
    """
    version = installed_version(project.distribution)
    if version is None:
        return None
    sources = [Path(__file__), Path(__file__).with_name("inventory_projects.py")]
    digest = hashlib.sha256(version.encode())
    for source in sources:
        digest.update(source.read_bytes())
    path = folder / f"{project.name}-{version}-{digest.hexdigest()[:10]}.inv"
    if not path.exists():
        write_inventory(path, project.name, version, entries(project))
    return path


# ---------------------------------------------------------------- Sphinx


def _config_inited(app, config):
    from inventory_projects import PROJECTS

    folder = Path(app.doctreedir) / "offline-inventories"
    mapping = dict(config.intersphinx_mapping or {})
    for name in config.offline_intersphinx:
        project = PROJECTS[name]
        path = inventory_path(folder, project)
        if path is None:
            logger.warning(
                "offline_intersphinx: %s is not installed, so references to "
                "it cannot be resolved",
                project.distribution,
            )
            continue
        mapping[name] = (project.url, str(path))
    config.intersphinx_mapping = mapping


def setup(app):
    app.add_config_value("offline_intersphinx", [], "env")
    # Before intersphinx reads its mapping (its handler has priority 800).
    app.connect("config-inited", _config_inited, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
