"""The page being built: headings, notes, tables and charts, every value escaped as plain text."""
from __future__ import annotations

import html

import pandas as pd

STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
td.num { text-align: right; }
.note, .empty { color: #555; max-width: 60em; }
figure.chart { margin: 0.5em 0 1.5em; overflow-x: auto; }
dl.meta dt { font-weight: bold; float: left; clear: left; width: 14em; }
dl.meta dd { margin-left: 15em; }
"""


def _cell(value: object) -> str:
    if isinstance(value, float) and pd.isna(value):
        return "<td></td>"
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return f"<td class='num'>{html.escape(str(value))}</td>" if number else f"<td>{html.escape(str(value))}</td>"


class Page:
    """Sections of the page in order."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def heading(self, text: str, note: str = "", level: int = 2) -> None:
        self.parts.append(f"<h{level}>{html.escape(text)}</h{level}>")
        if note:
            self.note(note)

    def note(self, text: str) -> None:
        self.parts.append(f"<p class='note'>{html.escape(text)}</p>")

    def chart(self, svg: str) -> None:
        """A chart of pipelines.files.report.svg (already escaped there)."""
        self.parts.append(svg)

    def table(self, frame: pd.DataFrame, folded_as: str = "") -> None:
        """An HTML table of frame; folded_as puts it in a <details> block with that summary."""
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
        body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in frame.itertuples(index=False))
        table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        if folded_as:
            table = f"<details><summary>{html.escape(folded_as)}</summary>{table}</details>"
        self.parts.append(table)

    def definitions(self, items: list[tuple[str, object]]) -> None:
        body = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>" for k, v in items)
        self.parts.append(f"<dl class='meta'>{body}</dl>")

    def empty(self, what: str) -> None:
        self.parts.append(f"<p class='empty'>No {html.escape(what)} in this run.</p>")
