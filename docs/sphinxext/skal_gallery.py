"""The gallery's order, from a first query to networks, in one place.

sphinx-gallery lists examples by file name unless told otherwise; here
``ORDER`` decides, for the gallery pages' previous / next links, the
thumbnails and the toctree of ``examples.md`` alike. An example not in
``ORDER`` comes after those that are, by file name, so a new script shows up
without touching this file.
"""

from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

ORDER = (
    "pool_based_loop",
    "compare_strategies",
    "grid_search_strategy",
    "informativeness_2d",
    "annotation_loop",
    "torch_mc_dropout_bald",
    "keras_digits_cnn",
)


def example_order_key(path):
    """Sort key of an example's path: its place in ``ORDER``, then its name."""
    stem = Path(str(path)).stem
    return (ORDER.index(stem) if stem in ORDER else len(ORDER), stem)


class ExampleOrder:
    """``within_subsection_order`` for sphinx-gallery."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        return example_order_key(filename)

    def __repr__(self):  # sphinx-gallery keys its cache on the repr
        return f"<{type(self).__name__}: {', '.join(ORDER)}>"


def examples_in_order():
    return sorted(
        (p.stem for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")),
        key=example_order_key,
    )


def _fill_examples_page(app, docname, source):
    """``examples.md``: its toctree and thumbnails in the gallery's order."""
    if docname != "examples":
        return
    names = examples_in_order()
    source[0] = (
        source[0]
        .replace(
            "skal-examples-in-order", "\n".join(f"auto_examples/{n}" for n in names)
        )
        .replace(
            "skal-example-files-in-order",
            " ".join(f"../examples/{n}.py" for n in names),
        )
    )


def setup(app):
    app.connect("source-read", _fill_examples_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
