"""Text files' bytes to str: a BOM says the encoding; else UTF-8 when it decodes; else what
charset-normalizer finds; Latin-1 last (every byte is a character there). Line ends made \\n."""
from __future__ import annotations

import codecs

BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """(text, the encoding it was read as). `declared`: a charset the file names (an HTML meta,
    a content type's parameter), tried after a BOM and before guessing."""
    for bom, name in BOMS:
        if data.startswith(bom):
            return _lines(data[len(bom):].decode(name, errors="replace")), name
    for name in ([declared] if declared else []) + ["utf-8"]:
        try:
            return _lines(data.decode(name)), codecs.lookup(name).name
        except (UnicodeDecodeError, LookupError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1 << 20]).best()
    if best is not None and best.encoding:
        return _lines(data.decode(best.encoding, errors="replace")), best.encoding
    return _lines(data.decode("latin-1")), "latin-1"


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
