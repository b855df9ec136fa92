"""Small additions to skal's pages.

- ``{widget-screenshot}``: the labeling widget's screenshot, which the
  widget's browser test (``tests/test_widget_browser.py``) saves as
  ``_static/annotation-widget.png``. Where that file is missing (a checkout
  that has not run the browser test and lacks the committed one) the page
  says so instead of failing the build: an image that is not there is a
  warning, and warnings fail it.
- ``{label-efficiency-summary}``: one number per strategy and dataset, read
  at build time from the per-dataset tables of ``label-efficiency.md``, so
  that the page built on them shows the benchmark's current numbers after
  each re-run, with nothing to copy by hand.
"""

import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive, directives
from sphinx.errors import ExtensionError

# ---------------------------------------------------------------- benchmark

_SECTION = re.compile(r"^### (?P<dataset>[\w-]+):(?P<setup>.*)$")


def benchmark_tables(text):
    """``{dataset: (setup, {learner: {column: cell}})}`` from the Markdown.

    A table belongs to the ``### dataset: setup`` heading above it; its first
    column is the learner.
    """
    tables = {}
    lines = text.splitlines()
    current = None
    i = 0
    while i < len(lines):
        heading = _SECTION.match(lines[i])
        if heading:
            current = heading["dataset"]
            tables[current] = (heading["setup"].strip(), {})
        elif current and lines[i].startswith("|") and i + 1 < len(lines):
            header = [c.strip() for c in lines[i].strip("|").split("|")]
            i += 2  # the |---| line
            rows = tables[current][1]
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip() for c in lines[i].strip("|").split("|")]
                rows[cells[0]] = dict(zip(header[1:], cells[1:], strict=False))
                i += 1
            current = None
            continue
        i += 1
    return {name: table for name, table in tables.items() if table[1]}


def _mean(cell):
    """The mean of ``"0.875 ± 0.013"``, ``"+3.9 ± 0.9"`` or ``"42%"``; None
    for ``"-"``."""
    match = re.match(r"^\s*([-+]?[\d.]+)\s*(%?)", cell or "")
    return float(match[1]) if match else None


class LabelEfficiencySummary(Directive):
    """A learner x dataset table of one column of label-efficiency.md."""

    required_arguments = 1  # the column, e.g. AULC
    final_argument_whitespace = True
    option_spec = {
        "source": directives.unchanged,
        "higher-is-better": directives.flag,
        "lower-is-better": directives.flag,
    }

    def run(self):
        env = self.state.document.settings.env
        column = self.arguments[0]
        source = Path(env.srcdir) / self.options.get("source", "label-efficiency.md")
        env.note_dependency(str(source))
        tables = benchmark_tables(source.read_text(encoding="utf-8"))
        columns = {
            c for _, rows in tables.values() for row in rows.values() for c in row
        }
        if not tables or any(
            column not in row for _, rows in tables.values() for row in rows.values()
        ):
            raise ExtensionError(
                f"label-efficiency-summary: not every table of {source.name} has "
                f"a column {column!r}; its columns: {sorted(columns)}"
            )
        datasets = list(tables)
        learners = list(dict.fromkeys(n for _, rows in tables.values() for n in rows))
        better = (
            max
            if "higher-is-better" in self.options
            else min
            if "lower-is-better" in self.options
            else None
        )
        table = nodes.table(classes=["skal-benchmark-summary"])
        group = nodes.tgroup(cols=len(datasets) + 1)
        table += group
        for _ in range(len(datasets) + 1):
            group += nodes.colspec(colwidth=1)
        head = nodes.thead()
        group += head
        head += self._row(["learner", *datasets])
        body = nodes.tbody()
        group += body
        best = {}
        for dataset in datasets:
            values = [
                _mean(row.get(column))
                for name, row in tables[dataset][1].items()
                if name != "random"
            ]
            values = [v for v in values if v is not None]
            best[dataset] = better(values) if better and values else None
        for learner in learners:
            cells = []
            for dataset in datasets:
                cell = tables[dataset][1].get(learner, {}).get(column, "")
                value = cell.split("±")[0].strip() if cell else ""
                bold = (
                    best[dataset] is not None
                    and learner != "random"
                    and _mean(cell) == best[dataset]
                )
                cells.append((value, bold))
            body += self._row([(learner, False), *cells])
        return [table]

    @staticmethod
    def _row(cells):
        row = nodes.row()
        for cell in cells:
            text, bold = cell if isinstance(cell, tuple) else (cell, False)
            entry = nodes.entry()
            paragraph = nodes.paragraph()
            paragraph += nodes.strong(text=text) if bold else nodes.Text(text)
            entry += paragraph
            row += entry
        return row


class WidgetScreenshot(Directive):
    """The widget screenshot if it exists, else a note that it does not."""

    #: Relative to the documentation's source folder.
    path = "_static/annotation-widget.png"

    option_spec = {"alt": directives.unchanged, "width": directives.unchanged}
    has_content = True

    def run(self):
        env = self.state.document.settings.env
        png = Path(env.srcdir) / self.path
        env.note_dependency(str(png))
        if png.exists():
            # A leading "/" is the source folder: Sphinx's image collector
            # finds the file and copies it, from any page.
            image = nodes.image(
                uri="/" + self.path,
                alt=self.options.get("alt", "The labeling widget"),
                width=self.options.get("width", "100%"),
            )
            figure = nodes.figure("", image)
            if self.content:
                caption = nodes.caption("", " ".join(self.content))
                figure += caption
            return [figure]
        note = nodes.note()
        note += nodes.paragraph(
            text=f"The widget's screenshot (docs/{self.path}) is taken by its "
            "browser test and is not in this build."
        )
        return [note]


def setup(app):
    app.add_directive("widget-screenshot", WidgetScreenshot)
    app.add_directive("label-efficiency-summary", LabelEfficiencySummary)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
