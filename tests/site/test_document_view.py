"""The document view (issue 38), in a real Chromium: a result with structure (CONTRACTS section
13: `blocks`, `skipped`, `chapters`) shown as HTML a screen reader can move through by heading,
list and table; what the recording leaves out dimmed and said ("Not read: ..."); chapters that
move playback to their start; the read-along following the spoken word from block to block.

Hand-made answers (tests/site/fakejob.py make_structured_job: real page images, the real voice
for every spoken line, nothing for the lines left out), served with Playwright's `page.route`.
"""
from __future__ import annotations

import pytest

from tests.site.axe import at_both_widths, violations
from tests.site.fakejob import make_job, make_structured_job
from tests.site.test_site import api_register, login_ui, new_user, open_fake_job, texts, url, wait_view

pytestmark = pytest.mark.timeout(600)

REPORT = [
    [
        {"role": "page-header", "text": ["Harbour Report 2026"]},
        {"role": "title", "text": ["Harbour Lights"]},
        {"role": "paragraph", "text": ["Boats come home at dawn", "before the tide turns"]},
        {"role": "list-item", "text": ["1. Count the boats"]},
        {"role": "list-item", "text": ["2. Note the weather"]},
        {"role": "footnote", "text": ["1 Counted by hand"]},
        {"role": "page-number", "text": ["1"]},
    ],
    [
        {"role": "page-header", "text": ["Harbour Report 2026"]},
        {"role": "heading", "level": 2, "text": ["Catches by day"]},
        {"role": "table", "rows": [["Day", "Fish"], ["Monday", "Forty"], ["Tuesday", "Sixty"]]},
        {"role": "caption", "text": ["Table 1 Catches"]},
        {"role": "list-item", "text": ["• Nets were mended"]},
        {"role": "list-item", "text": ["• Ropes were dried"]},
        {"role": "figure"},
        {"role": "caption", "text": ["Figure 1 The quay"]},
        {"role": "page-number", "text": ["2"]},
    ],
]
NOT_READ = "Not read: 2 page numbers, 2 running headers, 1 footnote."


def shown_page(page) -> str | None:
    return page.get_attribute('#page-list [aria-current="page"]', "data-page-index")


@pytest.fixture(scope="module")
def report(stack):
    return make_structured_job(stack, REPORT)


def test_the_text_is_a_document_with_its_structure(page, stack, report, shoot):
    open_fake_job(page, stack, report)
    text = page.locator("#result-text")

    # Headings at the document's levels, as a screen reader's heading keys find them; the
    # pages' numbers are markers between pages, not headings among the document's own.
    assert text.get_by_role("heading", level=1).all_inner_texts() == ["Harbour Lights"]
    assert text.get_by_role("heading", level=2).all_inner_texts() == ["Catches by day"]
    assert text.get_by_role("heading").count() == 2
    assert page.eval_on_selector_all("#result-text .text-page-title", "els => els.map(e => e.tagName + ' ' + e.textContent)") \
        == ["P Page 1", "P Page 2"]

    # Lists: numbered ones an <ol>, bulleted ones a <ul>, each item an <li> (the marker is in the text, spoken).
    assert texts(page, "#result-text ol > li") == ["1. Count the boats", "2. Note the weather"]
    assert texts(page, "#result-text ul > li") == ["• Nets were mended", "• Ropes were dried"]
    assert text.get_by_role("list").count() == 2

    # The table: a head row of column headers, rows of cells, its caption.
    assert texts(page, "#result-text table thead th[scope=col]") == ["Day", "Fish"]
    assert [texts(page, f"#result-text table tbody tr:nth-child({i}) td") for i in (1, 2)] == \
        [["Monday", "Forty"], ["Tuesday", "Sixty"]]
    assert text.get_by_role("columnheader").all_inner_texts() == ["Day", "Fish"]
    assert text.get_by_role("table", name="Table 1 Catches").count() == 1
    assert page.eval_on_selector("#result-text table caption", "e => getComputedStyle(e).captionSide") == "bottom"

    # The figure with its caption.
    assert text.get_by_role("figure").count() == 1
    assert texts(page, "#result-text figure figcaption") == ["Figure 1 The quay"]

    # Furniture and the footnote: dimmed and said not read; never a target of the read-along.
    unspoken = page.eval_on_selector_all("#result-text [data-spoken=false]", """els => els.map(e => [
        e.dataset.role, e.textContent.replace(/\\s+/g, ' ').trim(), e.classList.contains('is-unspoken')])""")
    assert unspoken == [
        ["page-header", "Running header, not read Harbour Report 2026", True],
        ["footnote", "Footnote, not read 1 Counted by hand", True],
        ["page-number", "Page number, not read 1", True],
        ["page-header", "Running header, not read Harbour Report 2026", True],
        ["page-number", "Page number, not read 2", True],
    ]
    colours = page.evaluate("""() => {
        const colour = (sel) => getComputedStyle(document.querySelector(sel)).color;
        return [colour('#result-text [data-spoken=false] .text-word'), colour('#result-text .doc-paragraph .text-word')];
    }""")
    assert colours[0] != colours[1], colours
    assert page.inner_text("#not-read-note") == NOT_READ

    # Chapters, nested by level, each with its time in the recording.
    assert texts(page, "#chapters summary") == ["Chapters (2)"]
    assert texts(page, '#chapters [data-testid="chapter"]') == ["Harbour Lights 0:00", f"Catches by day {clock(report, 1)}"]
    assert page.locator("#chapters > details > ol > li > ol > li").count() == 1
    assert page.get_by_role("navigation", name="Chapters").count() == 1

    # The words are the ones the text has, each once, and the plain text to copy is unchanged.
    words = texts(page, '#result-text [data-testid="text-word"]')
    assert len(words) == len(set(page.eval_on_selector_all('#result-text [data-testid="text-word"]',
                                                           "els => els.map(e => e.dataset.wordIndex)")))
    assert words.count("Harbour") == 3 and "Sixty" in words

    assert at_both_widths(page) == {}
    shoot(page, "document-view")
    page.click('#page-list [data-page-index="1"]')
    page.locator("#result-text table").scroll_into_view_if_needed()
    shoot(page, "document-view-page-2")


def clock(fake, i: int) -> str:
    s = int(fake.result["chapters"][i]["start"])
    return f"{s // 60}:{s % 60:02d}"


def test_a_chapter_plays_from_its_start_and_the_read_along_goes_on_across_blocks(page, stack, report):
    open_fake_job(page, stack, report)
    page.wait_for_selector('#player[data-ready="true"]', timeout=30_000)
    page.evaluate("""() => {
        window.__lit = [];
        new MutationObserver(() => {
            for (const e of document.querySelectorAll('#result-text [aria-current="true"]')) {
                const block = e.closest('.doc-block');
                const last = window.__lit.at(-1);
                if (!last || last[0] !== e.dataset.wordIndex) {
                    window.__lit.push([e.dataset.wordIndex, block?.dataset.role, block?.dataset.spoken, e.textContent]);
                }
            }
        }).observe(document.querySelector('#result-text'), {subtree: true, attributes: true, attributeFilter: ['aria-current']});
    }""")
    page.select_option("#player-speed", "2")
    second = report.result["chapters"][1]
    chapters = page.locator('#chapters [data-testid="chapter"]')

    # By keyboard: Tab reaches the chapter buttons; Enter on the second plays from its start.
    chapters.nth(1).focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#play-button').dataset.state === 'playing'")
    position = page.evaluate("Number(document.querySelector('#player-seek').value)")
    assert second["start"] - 0.05 <= position <= second["start"] + 1.5, (position, second)
    assert shown_page(page) == "1"
    page.wait_for_function("() => document.querySelector('#chapters [aria-current=\"location\"]')?.dataset.chapterIndex === '1'")

    # The spoken word goes on from the heading into the table, its caption and the list after it.
    page.wait_for_function("() => window.__lit.some(l => l[3] === 'dried')", timeout=30_000)
    lit = page.evaluate("window.__lit")
    roles = [role for _, role, _, _ in lit]
    seen = [r for i, r in enumerate(roles) if i == 0 or roles[i - 1] != r]
    assert seen[:4] == ["heading", "table", "caption", "list-item"], seen
    assert lit[0][1:] == ["heading", "true", "Catches"], lit
    assert all(spoken == "true" for _, _, spoken, _ in lit), lit
    # In speaking order, every cell of the table among them (a very short word may fall between frames).
    indexes = [int(i) for i, _, _, _ in lit]
    assert indexes == sorted(indexes), lit
    words = [w for _, _, _, w in lit]
    assert [w for w in words if w in {"Day", "Fish", "Monday", "Forty", "Tuesday", "Sixty"}] == \
        ["Day", "Fish", "Monday", "Forty", "Tuesday", "Sixty"], words

    # Paused, Left / Right step word by word across blocks and pages, over the words not read
    # (page 1's footnote and number, page 2's running header): from page 2's heading back to the
    # last word of page 1's list and on again.
    page.click("#play-button")
    page.wait_for_function("() => document.querySelector('#play-button').dataset.state === 'paused'")
    page.focus("#play-button")
    lit_word = """() => { const e = document.querySelector('#result-text [aria-current="true"]');
                          return e && `${e.closest('.doc-block').dataset.role} ${e.textContent}`; }"""
    for _ in range(40):
        if page.evaluate(lit_word) == "heading Catches":
            break
        page.keyboard.press("ArrowLeft")
    assert page.evaluate(lit_word) == "heading Catches"
    page.keyboard.press("ArrowLeft")
    assert page.evaluate(lit_word) == "list-item weather"
    page.keyboard.press("ArrowRight")
    assert page.evaluate(lit_word) == "heading Catches"

    # The first chapter: back to the start of the recording, on page 1.
    chapters.nth(0).click()
    page.wait_for_function("() => Number(document.querySelector('#player-seek').value) < 1.5")
    page.wait_for_function("() => document.querySelector('#page-list [aria-current=\"page\"]')?.dataset.pageIndex === '0'")
    page.wait_for_function("() => document.querySelector('#result-text [aria-current=\"true\"]')?.closest('.doc-block')"
                           "?.dataset.role === 'title'", timeout=10_000)
    page.click("#play-button")
    page.wait_for_function("() => document.querySelector('#play-button').dataset.state === 'paused'")
    assert all(spoken == "true" for _, _, spoken, _ in page.evaluate("window.__lit"))

    # A word that was not read, chosen: said so, nothing plays.
    page.click('#result-text [data-role="page-number"] [data-testid="text-word"]')
    page.wait_for_function("() => document.querySelector('#announcer').textContent === '“1” is not in the recording.'")
    assert page.get_attribute("#play-button", "data-state") == "paused"


def test_a_chapter_not_yet_recorded_takes_the_focus_to_its_heading(page, stack, report):
    def recording(answer):
        for chapter in answer["result"]["chapters"]:
            chapter.pop("start", None)
        return answer

    report.edit, report.status, report.shown_parts = recording, "processing", 0
    try:
        user = new_user()
        api_register(stack, user)
        login_ui(page, stack, user)
        report.serve(page, stack.site_url)
        page.goto(url(stack, f"#/jobs/{report.job_id}"))
        wait_view(page, "job")
        page.wait_for_selector('#chapters:not([hidden]) [data-testid="chapter"]', timeout=30_000)
        assert texts(page, '#chapters [data-testid="chapter"]') == ["Harbour Lights", "Catches by day"]
        page.locator('#chapters [data-testid="chapter"]').nth(1).click()
        assert page.evaluate("[document.activeElement.tagName, document.activeElement.textContent]") == ["H2", "Catches by day"]
        assert shown_page(page) == "1"
        page.wait_for_function("() => /has not been recorded yet/.test(document.querySelector('#announcer').textContent)")

        # The recording made: the chapters get their times, the focus stays on the chapter it was on.
        page.locator('#chapters [data-testid="chapter"]').nth(1).focus()
        report.edit, report.status, report.shown_parts = None, "done", None
        page.wait_for_selector('#job-status[data-status="done"]', timeout=30_000)
        page.wait_for_selector('#chapters [data-chapter-index="1"] .chapter-time')
        assert texts(page, '#chapters [data-testid="chapter"]') == ["Harbour Lights 0:00", f"Catches by day {clock(report, 1)}"]
        assert page.evaluate("document.activeElement.dataset.chapterIndex") == "1"
    finally:
        report.edit, report.status, report.shown_parts = None, "done", None


def test_a_photo_with_structure_and_old_results_as_before(page, stack, shoot):
    photo = make_structured_job(stack, [[
        {"role": "heading", "level": 2, "text": ["Opening hours"]},
        {"role": "paragraph", "text": ["Open every day", "from nine to five"]},
        {"role": "page-footer", "text": ["Harbour Office"]},
    ]], filename="sign.png", document=False)
    open_fake_job(page, stack, photo)
    assert page.locator("#result-text .text-page").count() == 0
    assert page.locator("#result-text").get_by_role("heading", level=2).all_inner_texts() == ["Opening hours"]
    assert texts(page, "#result-text p.doc-paragraph") == ["Open every day from nine to five"]
    assert page.inner_text("#not-read-note") == "Not read: 1 running footer."
    assert texts(page, '#chapters [data-testid="chapter"]') == ["Opening hours 0:00"]
    assert page.get_attribute("#chapters .chapter-title", "dir") == "auto"
    assert violations(page) == []
    shoot(page, "document-view-photo")

    # A result made before structure existed: drawn exactly as before, nothing of the document view.
    old = make_job(stack, [["Harbour lights at dawn"], ["Orchard apples in autumn"]], filename="old.pdf", document=True)
    old.serve(page, stack.site_url)
    page.goto(url(stack, f"#/jobs/{old.job_id}"))
    page.wait_for_selector('#job-status[data-status="done"]', timeout=30_000)
    page.wait_for_selector('#result-text .text-page[data-page-index="1"]')
    assert page.eval_on_selector_all("#result-text .text-page-title", "els => els.map(e => e.tagName + ' ' + e.textContent)") \
        == ["H3 Page 1", "H3 Page 2"]
    assert page.eval_on_selector_all("#result-text .text-line", "els => els.map(e => e.tagName)") == ["P", "P"]
    assert page.locator("#result-text .doc-block").count() == 0
    assert page.is_hidden("#not-read-note") and page.is_hidden("#chapters")


# ---- through the real stack ------------------------------------------------------------------

REPORT_HTML = """<html><body style="margin: 0; font: 15px DejaVu Sans, sans-serif">
<section style="page-break-after: always">
  <h1 style="font-size: 30px">Harbour Lights</h1>
  <p>Fishing boats come home at dawn before the tide turns and the gulls follow every wake into the quiet harbour.</p>
  <h2 style="font-size: 22px">Counting the boats</h2>
  <ol><li>Count the boats at the quay</li><li>Note the weather every morning</li></ol>
</section>
<section>
  <h2 style="font-size: 22px">Catches by day</h2>
  <table style="border-collapse: collapse" border="1" cellpadding="6">
    <tr><th>Day</th><th>Fish</th></tr><tr><td>Monday</td><td>Forty</td></tr><tr><td>Tuesday</td><td>Sixty</td></tr>
  </table>
  <p>Nets were mended in the afternoon and the ropes were dried on the harbour wall.</p>
</section></body></html>"""
HEADER = "<div style='font-size: 10px; width: 100%; text-align: center'>Harbour Report 2026</div>"
FOOTER = "<div style='font-size: 10px; width: 100%; text-align: center'><span class='pageNumber'></span></div>"

NAMES = {"page-number": "page number", "page-header": "running header", "page-footer": "running footer",
         "list-item": "list item"}
ELEMENT = {"paragraph": "P", "list-item": "LI", "table": "TABLE", "figure": "FIGURE", "footnote": "P",
           "page-header": "P", "page-footer": "P", "page-number": "P"}


def test_a_real_documents_structure_is_what_the_page_shows(page, stack, tmp_path, shoot):
    """Whatever structure the worker finds in a printed report (running header, page numbers,
    headings, a list, a table), the document view shows exactly that: each block its element,
    what is not read dimmed, the "Not read" line from `skipped`, the chapters from `chapters`."""
    from tests.site.test_site import RESULT_TIMEOUT_MS, fetch_job, token_of
    maker = page.context.new_page()
    maker.set_content(REPORT_HTML)
    pdf = tmp_path / "harbour-report.pdf"
    maker.pdf(path=str(pdf), width="15cm", height="15cm", display_header_footer=True, header_template=HEADER,
              footer_template=FOOTER, margin={"top": "2cm", "bottom": "2cm", "left": "1.5cm", "right": "1.5cm"})
    maker.close()
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    page.set_input_files("#upload-input", str(pdf))
    page.wait_for_url(lambda u: "#/jobs/" in u, timeout=60_000)
    page.wait_for_selector('#job-status[data-status="done"]', timeout=RESULT_TIMEOUT_MS)
    result = fetch_job(stack, token_of(page), page.url.rsplit("/", 1)[-1])["result"]
    assert all("blocks" in p for p in result["pages"]), "the worker gives no structure"

    shown = page.evaluate("""() => [...document.querySelectorAll('#result-text .doc-block[data-block-index]')].map(e => ({
        page: Number(e.closest('.text-page').dataset.pageIndex), block: Number(e.dataset.blockIndex), tag: e.tagName,
        role: e.dataset.role, spoken: e.dataset.spoken, dimmed: e.classList.contains('is-unspoken'),
        words: [...e.querySelectorAll('[data-testid="text-word"]')].map(w => w.textContent).join(' ')}))""")
    by_place = {(s["page"], s["block"]): s for s in shown}
    for p, pg in enumerate(result["pages"]):
        for b, block in enumerate(pg["blocks"]):
            s = by_place.get((p, b))
            assert s is not None, (p, b, block)
            expected = (f"H{1 if block['role'] == 'title' else min(6, block.get('level') or 2)}"
                        if block["role"] in ("title", "heading") else ELEMENT.get(block["role"], s["tag"]))
            if block["role"] == "caption":
                expected = s["tag"]  # a <span> in a table's <caption> or a <figcaption>, else a <p>
            assert s["tag"] == expected, (p, b, block["role"], s)
            assert s["spoken"] == str(block.get("spoken", True)).lower() and s["dimmed"] == (block.get("spoken") is False)
            if block["role"] != "table":
                assert s["words"] == " ".join(pg["lines"][li]["text"] for li in block["lines"]), (s, block)
    # Every word of the result is in the view once.
    assert page.locator('#result-text [data-testid="text-word"]').count() == \
        sum(len(line["words"]) for pg in result["pages"] for line in pg["lines"])

    skipped = {role: n for role, n in (result.get("skipped") or {}).items() if n}
    if skipped:
        order = ["page-number", "page-header", "page-footer", "footnote", "title", "heading", "paragraph"]
        said = [f"{n} {NAMES.get(role, role.replace('-', ' '))}{'' if n == 1 else 's'}"
                for role, n in sorted(skipped.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)]
        assert page.inner_text("#not-read-note") == f"Not read: {', '.join(said)}."
    else:
        assert page.is_hidden("#not-read-note")
    titles = [c["title"] for c in result.get("chapters") or []]
    assert [t.split(" ")[0] for t in texts(page, '#chapters [data-testid="chapter"] .chapter-title')] == \
        [t.split(" ")[0] for t in titles]
    print(f"\nroles found: {[[b['role'] + ('' if b.get('spoken', True) else ' (not read)') for b in pg['blocks']] for pg in result['pages']]}"
          f"\nskipped: {result.get('skipped')}, chapters: {titles}")
    assert at_both_widths(page) == {}
    shoot(page, "document-view-real")
