"""What GET /kinds says the page kind reads (chalicelib/media/types.py): notebooks and LaTeX
sources (issue 79) among the documents, each ending with the type the site then declares."""
from __future__ import annotations

from chalicelib import kinds
from chalicelib.media import types


def test_the_page_kind_lists_notebooks_and_latex_sources():
    page = kinds.get("page").public()
    assert page["endings"][".ipynb"] == "application/x-ipynb+json"
    assert page["endings"][".tex"] == "application/x-tex" and page["endings"][".latex"] == "application/x-tex"
    assert {"Jupyter notebook", "LaTeX"} <= set(page["formats"])
    assert {"application/x-ipynb+json", "application/x-tex", "text/x-tex"} <= set(page["content_types"])
    assert "Jupyter notebook" in page["description"] and "LaTeX" in page["description"]
    assert types.for_name("Lecture 3.IPYNB") == "application/x-ipynb+json" and types.for_name("paper.tex") == "application/x-tex"
    # documents' size limit, not a photo's
    assert kinds.get("page").max_bytes("application/x-tex") == kinds.get("page").max_bytes("text/markdown")
