"""The growing result (chalicelib.jobs.growing) on its own, without I/O: each publish writes what
is new, a small result is one index, the size cap, and a resumed job goes on from its index.
Through the worker, against moto, in test_objects.py."""
from __future__ import annotations

import json

import pytest

from chalicelib.jobs.growing import INDEX, Change, Growing, ResultTooLarge, assemble, encode


def page(i: int, words: int = 400) -> dict:
    """A dense page (about 60 bytes a word, as boxes make it)."""
    ws = [{"text": f"w{i}x{k}", "confidence": 0.9, "box": [[k, i], [k + 9, i], [k + 9, i + 9], [k, i + 9]]}
          for k in range(words)]
    return {"width": 100, "height": 100, "text": " ".join(w["text"] for w in ws),
            "lines": [{"text": " ".join(w["text"] for w in ws), "confidence": 0.9, "box": ws[0]["box"], "words": ws}]}


def document(pages: list[dict], words: list[dict] | None = None) -> dict:
    result = {"schema": 1, "kind": "page", "engine": "stub", "width": 100, "height": 100,
              "text": "\n\n".join(p["text"] for p in pages), "lines": pages[0]["lines"], "pages": pages,
              "document": {"pages": 50, "read": len(pages), "complete": False}, "timings_ms": {"ocr": len(pages)}}
    if words is not None:
        result["speech"] = {"engine": "stub", "seconds": 1.0, "complete": False, "words": words,
                            "parts": [{"file": f"speech-{k:03d}.wav", "start": k, "seconds": 1} for k in range(len(words) // 50)]}
    return result


class Files(dict):
    """Part files by name, as S3 would hold them."""

    def write(self, change: Change) -> None:
        self.update(change.files)
        self[INDEX] = change.index

    def assembled(self) -> dict:
        return assemble(json.loads(self[INDEX]), self.__getitem__)


def test_a_growing_document_writes_each_page_once_and_assembles_whole():
    growing, files, pages, written = Growing(), Files(), [], 0
    for i in range(10):
        pages.append(page(i))
        result = document(pages)
        change = growing.diff(result)
        grown = [name.split("-")[1] for name in change.files]
        assert grown.count("pages") == 1 and (i == 0 or "lines" not in grown)  # page i alone; page 1's lines once
        assert not set(change.files) & set(files)  # nothing written twice
        written += sum(map(len, change.files.values())) + len(change.index)
        growing.commit(change)
        files.write(change)
        assert files.assembled() == result
        assert len(change.index) < 8 * 1024 + 2000  # the index stays small: a tail, never the pages
    final = len(encode(result))
    assert written < 2.2 * final, (written, final)
    assert growing.result() == result


def test_a_small_result_is_one_index_and_a_value_that_changed_is_written_again():
    growing, files = Growing(), Files()
    small = {"schema": 1, "text": "OPEN 24 HOURS", "lines": [{"text": "OPEN"}], "speech": {"words": [{"w": 0}]}}
    change = growing.diff(small)
    assert change.files == {}  # a photo's result: the index holds it all
    growing.commit(change)
    files.write(change)
    assert files.assembled() == small
    pages = [page(i) for i in range(3)]
    change = growing.diff(document(pages))
    growing.commit(change)
    files.write(change)
    first_pages = [n for n in change.files if n.startswith("result-pages-")]
    # Not an append: page 2 replaced. Written again, and the files it replaces are dropped.
    changed = document([pages[0], pages[1], page(7)])
    change = growing.diff(changed)
    assert set(first_pages) <= set(change.dropped) and any(n.startswith("result-pages-") for n in change.files)
    growing.commit(change)
    files.write(change)
    assert files.assembled() == changed
    assert set(first_pages) <= set(growing.names())  # removed when the job ends


def test_past_the_cap_nothing_is_written_and_the_last_published_result_remains():
    growing = Growing()
    pages = [page(0)]
    growing.commit(growing.diff(document(pages), max_bytes=100_000))
    pages.append(page(1))
    pages.append(page(2))
    with pytest.raises(ResultTooLarge):
        growing.diff(document(pages), max_bytes=100_000)
    assert growing.result() == document(pages[:1])


def test_a_resumed_result_goes_on_without_writing_again_what_was_written():
    growing, files = Growing(), Files()
    pages = [page(i) for i in range(3)]
    words = [{"page": 0, "line": 0, "word": k, "start": k, "end": k + 1} for k in range(300)]
    change = growing.diff(document(pages, words))
    growing.commit(change)
    files.write(change)
    index = json.loads(files[INDEX])
    prior = files.assembled()  # what the next invocation reads, and hands to the kind
    again = Growing.resumed(index, prior)
    more = list(prior["pages"]) + [page(3)]  # the kind appends to the lists it was given
    result = document(more, list(prior["speech"]["words"]) + words[:200])
    change = again.diff(result)
    new = {n.split("-")[1]: json.loads(body) for n, body in change.files.items()}
    assert "lines" not in new and new["pages"] == [page(3)] and new["speech"] == words[:200]
    assert new["text"] == result["text"]  # held in the index's tail until now: its first file
    again.commit(change)
    files.write(change)
    assert files.assembled() == result
