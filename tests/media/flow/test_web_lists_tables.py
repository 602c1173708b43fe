"""A saved Wikipedia-like page's lists and tables (issue 55 item 4): the infobox and data tables
read as tables, the reference list as notes, "See also" and "External links" as list items,
navigation boxes left out, a table that only lays text out read as text."""
from __future__ import annotations

import pytest

from chalicelib.media.flow import html as flow_html
from tests.media.flow import shapes
from tests.media.flow.shapes import blocks, tables

LINKS = "".join(f'<li><a href="/wiki/{x}">{x.replace("_", " ")}</a></li>' for x in ("Whaling", "Nantucket", "Pequod"))
PAGE = f"""<html><head><title>Pequod - Wikipedia</title></head><body>
<div id="mw-navigation"><ul><li><a href="/">Main page</a></li><li><a href="/r">Random article</a></li></ul></div>
<div id="content" class="mw-body"><h1 id="firstHeading">Pequod</h1>
<div id="mw-content-text"><div class="mw-parser-output">
<table class="infobox vcard"><tr><th colspan="2"><a href="/wiki/Pequod">Pequod</a></th></tr>
 <tr><th>Owner</th><td><a href="/wiki/Bildad">Bildad</a> and <a href="/wiki/Peleg">Peleg</a></td></tr>
 <tr><th>Home port</th><td><a href="/wiki/Nantucket">Nantucket</a></td></tr>
 <tr><th>Fate</th><td><a href="/wiki/Sunk">Sunk</a> by <a href="/wiki/Moby_Dick">Moby Dick</a></td></tr></table>
<p>The <b>Pequod</b> is a fictional whaler out of Nantucket, commanded by Captain Ahab in Herman Melville's novel,
whose crew hunts the white whale across the oceans of the world for three long years.<sup><a href="#cite_note-1">[1]</a></sup></p>
<p>Her name recalls a tribe of the region, and her decks were hung with the teeth and bones of whales, a
cannibal of a craft, as Ishmael says, tricking herself forth in the chased bones of her enemies.<sup><a href="#cite_note-2">[2]</a></sup></p>
<h2><span class="mw-headline" id="Crew">Crew</span></h2>
<table class="wikitable"><tr><th>Name</th><th>Rank</th></tr><tr><td>Starbuck</td><td>First mate</td></tr>
 <tr><td>Stubb</td><td>Second mate</td></tr><tr><td>Flask</td><td>Third mate</td></tr></table>
<table class="ambox"><tr><td>This section needs expansion. You can help by adding to it, as the crew was many more.</td></tr></table>
<h2><span class="mw-headline" id="See_also">See also</span></h2>
<ul>{LINKS}</ul>
<h2><span class="mw-headline" id="References">References</span></h2>
<div class="reflist"><ol class="references">
 <li id="cite_note-1"><span class="mw-cite-backlink"><a href="#cite_ref-1">^</a></span> <span class="reference-text"><cite>Melville, Herman (1851). <i>Moby-Dick</i><div class="shield-container"><div class="shield"></div></div>. Harper &amp; Brothers.</cite></span></li>
 <li id="cite_note-The_Whaleman_print_edition-2"><span class="mw-cite-backlink"><a href="#cite_ref-2">^</a></span> <span class="reference-text">"The Whaleman". <i>Print edition</i>. 1852.</span></li>
</ol></div>
<h2><span class="mw-headline" id="External_links">External links</span></h2>
<dl><dt>Texts</dt></dl>
<ul><li><a href="https://example.org/moby">The full text of the novel</a></li><li><a href="https://example.org/ship">The ship's plan</a></li></ul>
<div role="navigation" class="navbox"><table class="navbox-inner"><tr><th>Moby-Dick</th></tr>
 <tr><td><ul><li><a href="/wiki/Queequeg">Queequeg</a></li><li><a href="/wiki/Tashtego">Tashtego</a></li></ul></td></tr></table></div>
</div></div>
<div id="catlinks" class="catlinks"><a href="/wiki/Category:Ships">Ships</a></div></div>
<div id="footer"><ul><li><a href="/privacy">Privacy policy</a></li></ul></div>
</body></html>"""


@pytest.fixture(scope="module")
def page():
    return shapes.read(PAGE, "text/html", max_words=100_000, max_chars=1_000_000)


def test_infobox_and_data_tables_are_tables(page):
    got = tables(page)
    assert got[0][0] == [("Pequod", True)]
    assert got[0][1] == [("Owner", True), ("Bildad and Peleg", False)]
    assert got[0][3] == [("Fate", True), ("Sunk by Moby Dick", False)]
    assert got[1][1] == [("Starbuck", False), ("First mate", False)]
    assert len(got) == 2  # the one-cell notice is not a table


def test_link_lists_of_the_article_are_list_items(page):
    items = [t for role, t, _ in blocks(page) if role == "list-item"]
    assert items == ["Whaling", "Nantucket", "Pequod", "The full text of the novel", "The ship's plan"]


def test_references_are_notes_each_whole(page):
    got = blocks(page)
    assert ("heading", "References", 2) in got  # its headline's id names the notes, not the heading
    notes = [t for role, t, _ in got if role == "footnote"]
    assert notes == ["1. ^ Melville, Herman (1851). Moby-Dick. Harper & Brothers.",
                     '2. ^ "The Whaleman". Print edition. 1852.']


def test_navigation_boxes_menus_and_categories_are_left_out(page):
    said = " ".join(t for _, t, _ in blocks(page))
    assert "Queequeg" not in said and "Random article" not in said and "Privacy" not in said
    assert "Ships" not in said
    assert "This section needs expansion." in said  # a layout box's text is still read


@pytest.mark.parametrize("markup, data", [
    ("<table><tr><th>A</th><td>1</td></tr></table>", True),
    ("<table><caption>C</caption><tr><td>x</td></tr></table>", True),
    ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>", True),
    ("<table><tr><td><p>one</p></td><td><p>two</p></td></tr></table>", True),  # a converter's <p> a cell
    ("<table><tr><td>Only a box around text.</td></tr></table>", False),
    ("<table><tr><td><h2>Side</h2><p>a</p></td><td><p>b</p><p>c</p></td></tr></table>", False),
    ("<table role='presentation'><tr><th>A</th><td>1</td></tr></table>", False),
    ("<table><tr><td><table><tr><td>a</td><td>b</td></tr></table></td><td>x</td></tr></table>", False),
])
def test_data_table_or_layout(markup, data):
    root = flow_html.parse(f"<html><body>{markup}</body></html>".encode())
    assert flow_html.data_table(next(root.iter("table"))) is data
