"""What the flow readers' tests look at in a document (chalicelib.media.flow.Builder.finish):
read with the caps out of the way, its blocks as (role, text, level), its tables as rows."""
from __future__ import annotations

from chalicelib.media import flow


def read(data: bytes | str, hint: str | None, *, max_words: int = 500_000, max_chars: int = 5_000_000) -> dict:
    """`data` (text is UTF-8 encoded) read as the type `hint` declares."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return flow.read(data, content_type=hint, max_words=max_words, max_chars=max_chars)


def blocks(doc: dict) -> list[tuple]:
    """(role, text, level) of every block in order, its lines joined by ' / '."""
    return [(bl["role"], " / ".join(s["lines"][i]["text"] for i in bl["lines"]), bl.get("level"))
            for s in doc["sections"] for bl in s["blocks"]]


def tables(doc: dict) -> list[list[list[tuple[str, bool]]]]:
    """Each table as rows of (cell text, header)."""
    out = []
    for s in doc["sections"]:
        for bl in s["blocks"]:
            if bl["role"] == "table":
                rows: dict[int, list] = {}
                for c in bl["cells"]:
                    rows.setdefault(c["row"], []).append((" ".join(s["lines"][i]["text"] for i in c["lines"]), c["header"]))
                out.append([rows[r] for r in sorted(rows)])
    return out
