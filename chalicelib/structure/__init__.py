"""A document's structure (CONTRACTS section 13): blocks with roles, in reading order, what is
spoken of them, and chapters. One analysis for every page, whether its lines come from a PDF's
text layer or from OCR of an image: `layout.analyse` (one page), `furniture.across_pages` (what
repeats from page to page), `spoken.script` (what the recording says), `spoken.chapters`.

This module holds only names (the API validates uploads with them and loads nothing heavy)."""
from __future__ import annotations

# `code`: a code block of a document without pages (Markdown, HTML <pre>; CONTRACTS section
# 13 extended): read character by character it helps nobody, so it is not spoken by default.
# Preformatted text that is not code (verse, an address) is a `paragraph` (media/flow/code.py).
ROLES = ("title", "heading", "paragraph", "list-item", "table", "caption", "footnote",
         "page-header", "page-footer", "page-number", "figure", "code")
FURNITURE = ("page-header", "page-footer", "page-number")
# Not spoken unless the upload says otherwise (`skip`); a listener asked for this most.
DEFAULT_SKIP = (*FURNITURE, "footnote", "code")


def check_skip(value) -> tuple[str, ...] | None:
    """The upload's `skip` as roles, or None for the default; ValueError with a sentence a
    person understands for anything else."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("skip must be a list of roles, e.g. [\"page-number\", \"footnote\"] ([] reads everything).")
    unknown = sorted({v for v in value if v not in ROLES})
    if unknown:
        raise ValueError(f"skip: unknown role {', '.join(unknown)}; the roles are {', '.join(ROLES)}.")
    return tuple(dict.fromkeys(value))
