"""Which file formats PageVoice reads, by content type: the one declaration the API (POST
/uploads, GET /kinds), the worker's decoders and the site share. No dependencies, so the API
imports it without the media stack."""
from __future__ import annotations

# Pillow's format name -> the content type uploads declare. MPO: multi-picture JPEGs from
# phone cameras.
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp",
                 "TIFF": "image/tiff", "BMP": "image/bmp", "GIF": "image/gif", "MPO": "image/jpeg"}
# HEIC/HEIF: what iPhones save (pillow-heif reads them).
IMAGE_FORMATS.update({"HEIF": "image/heic"})
IMAGE_TYPES = (*dict.fromkeys(IMAGE_FORMATS.values()), "image/heif")
# Documents of several pages (the page kind; chalicelib/media/document.py). A multi-page TIFF
# is image/tiff: it is told from a single image by its content.
DOCUMENT_TYPES: tuple[str, ...] = ("application/pdf",)
# Documents without pages (chalicelib/media/flow): read as sections of reflowed text
# (CONTRACTS section 13, `flow: true`). DOCX, ODT and EPUB are told by their zip's parts;
# Markdown from plain text only by what the upload declares. Jupyter notebooks (JSON) and LaTeX
# sources (issue 79) are told by their bytes too, so a notebook or a .tex file sent as plain text
# (a link, GitHub's raw files) is read as one.
NOTEBOOK_TYPES = ("application/x-ipynb+json",)
LATEX_TYPES = ("application/x-tex", "text/x-tex", "application/x-latex", "text/x-latex")
FLOW_TYPES = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              "application/vnd.oasis.opendocument.text", "application/epub+zip", "text/html",
              "application/xhtml+xml", "text/markdown", "text/x-markdown", "text/plain",
              *NOTEBOOK_TYPES, *LATEX_TYPES)
DOCUMENT_TYPES += FLOW_TYPES
# File name endings the site's file picker offers for each type.
EXTENSIONS = {"image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"], "image/webp": [".webp"],
              "image/tiff": [".tif", ".tiff"], "image/bmp": [".bmp"], "image/gif": [".gif"],
              "image/heic": [".heic"], "image/heif": [".heif"], "application/pdf": [".pdf"],
              FLOW_TYPES[0]: [".docx"], FLOW_TYPES[1]: [".odt"], "application/epub+zip": [".epub"],
              "text/html": [".html", ".htm"], "application/xhtml+xml": [".xhtml"],
              "text/markdown": [".md", ".markdown"], "text/x-markdown": [".md"], "text/plain": [".txt", ".text"],
              "application/x-ipynb+json": [".ipynb"], "application/x-tex": [".tex", ".latex"],
              "text/x-tex": [".tex"], "application/x-latex": [".latex"], "text/x-latex": [".tex"]}
# What people call each format (the site's messages: "JPEG, PNG, ... or GIF").
NAMES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP", "image/tiff": "TIFF",
         "image/bmp": "BMP", "image/gif": "GIF", "image/heic": "HEIC", "image/heif": "HEIF",
         "application/pdf": "PDF", FLOW_TYPES[0]: "DOCX", FLOW_TYPES[1]: "ODT", "application/epub+zip": "EPUB",
         "text/html": "HTML", "application/xhtml+xml": "XHTML", "text/markdown": "Markdown",
         "text/x-markdown": "Markdown", "text/plain": "plain text",
         "application/x-ipynb+json": "Jupyter notebook", **dict.fromkeys(LATEX_TYPES, "LaTeX")}

# Speech recordings (chalicelib/media/audio.py decodes them; it identifies the format from the
# content, so these only gate uploads). Browsers' MediaRecorder: Chrome and Firefox record
# audio/webm (Opus; a parameter ";codecs=opus" follows the type), Safari audio/mp4 (AAC).
# Some browsers report recordings as video/webm or video/mp4 even with no picture.
AUDIO_TYPES = ("audio/wav", "audio/x-wav", "audio/wave", "audio/mpeg", "audio/mp3", "audio/flac",
               "audio/x-flac", "audio/ogg", "audio/opus", "audio/webm", "video/webm", "audio/mp4",
               "audio/x-m4a", "audio/aac", "video/mp4")
EXTENSIONS.update({
    "audio/wav": [".wav"], "audio/x-wav": [".wav"], "audio/wave": [".wav"],
    "audio/mpeg": [".mp3"], "audio/mp3": [".mp3"], "audio/flac": [".flac"], "audio/x-flac": [".flac"],
    "audio/ogg": [".ogg", ".oga"], "audio/opus": [".opus"], "audio/webm": [".webm", ".weba"],
    "video/webm": [".webm"], "audio/mp4": [".m4a", ".mp4"], "audio/x-m4a": [".m4a"],
    "audio/aac": [".aac"], "video/mp4": [".mp4"],
})
NAMES.update({"audio/wav": "WAV", "audio/x-wav": "WAV", "audio/wave": "WAV", "audio/mpeg": "MP3",
              "audio/mp3": "MP3", "audio/flac": "FLAC", "audio/x-flac": "FLAC", "audio/ogg": "Ogg",
              "audio/opus": "Opus", "audio/webm": "WebM", "video/webm": "WebM", "audio/mp4": "M4A",
              "audio/x-m4a": "M4A", "audio/aac": "AAC", "video/mp4": "MP4"})


def for_name(filename: str) -> str | None:
    """The content type a file name's ending says (the CLI's files), or None."""
    lower = filename.lower()
    return next((t for t, endings in EXTENSIONS.items() if any(lower.endswith(e) for e in endings)), None)


# Images' signatures: (offset, the bytes there), the type.
_IMAGE_SIGNATURES = (((0, b"\xff\xd8\xff"),), "image/jpeg"), (((0, b"\x89PNG\r\n\x1a\n"),), "image/png"), \
    (((0, b"RIFF"), (8, b"WEBP")), "image/webp"), (((0, b"II*\x00"),), "image/tiff"), (((0, b"MM\x00*"),), "image/tiff"), \
    (((0, b"GIF87a"),), "image/gif"), (((0, b"GIF89a"),), "image/gif"), \
    *((((4, b"ftyp" + brand),), "image/heic") for brand in (b"heic", b"heix", b"mif1", b"msf1"))


def image_type(head: bytes) -> str | None:
    """The image type a file's first bytes announce (its signature), or None."""
    for marks, kind in _IMAGE_SIGNATURES:
        if all(head[at:at + len(mark)] == mark for at, mark in marks):
            return kind
    if head[:2] == b"BM" and len(head) >= 26 and head[14] in (12, 40, 52, 56, 108, 124):  # a bitmap's header size
        return "image/bmp"
    return None
