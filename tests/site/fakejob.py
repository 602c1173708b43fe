"""Hand-made `GET /jobs/{id}` answers for the site's read-along and document views.

The UI behaviours (highlight, speed, keys, pages, a recording that grows part by part) are
tested against answers made here, served to the page with Playwright's `page.route`: the
photo, the page images and the WAV parts are real files (the parts spoken by the real piper
voice, `chalicelib.engines.tts`) in the local stack's bucket behind presigned GETs, exactly
as the API hands them out. The acceptance tests (test_listening.py, test_documents.py) use
the real stack end to end.
"""
from __future__ import annotations

import copy
import functools
import io
import json
import re
import uuid
from dataclasses import dataclass, field

import numpy as np

from tests import images

PART_GAP_S = 0.12  # the pause a real recording has between pieces (chalicelib.engines.tts.base.concat)


@functools.lru_cache(maxsize=1)
def voice():
    from chalicelib.engines import tts
    return tts.get_engine("piper")


@functools.lru_cache(maxsize=64)
def spoken(text: str):
    """(WAV bytes, seconds, the voice's own word timings) of `text` in the real voice, with the
    pause that follows a piece."""
    from chalicelib.engines.tts.base import Audio, to_wav
    said = voice().synthesize(text)
    pause = np.zeros(int(said.sample_rate * PART_GAP_S), dtype=np.int16)
    audio = Audio(np.concatenate([said.samples.astype(np.int16), pause]), said.sample_rate)
    return to_wav(audio), audio.seconds, said.words


def box(b) -> list:
    x0, y0, x1, y1 = (int(v) for v in b)
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def cors_headers(site_origin: str, methods: str) -> dict:
    """What the API answers the site's origin for a route the test serves itself."""
    return {"Access-Control-Allow-Origin": site_origin.rstrip("/"),
            "Access-Control-Allow-Headers": "Authorization,Content-Type,X-Api-Key",
            "Access-Control-Allow-Methods": methods, "Vary": "Origin"}


@dataclass
class Store:
    """Files in the local stack's bucket, each behind a presigned GET (as GET /jobs/{id} gives)."""
    stack: object
    prefix: str = field(default_factory=lambda: f"site-tests/{uuid.uuid4().hex}")

    def put(self, name: str, data: bytes, content_type: str) -> str:
        from chalicelib import settings
        s3 = self.stack.aws_client("s3")
        bucket = settings.get().aws.bucket
        key = f"{self.prefix}/{name}"
        s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type)
        return s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=900)


def page_of(lines: list[str], width: int = 900, size: int = 40) -> tuple[dict, bytes]:
    """A page (CONTRACTS section 1 shape) of `lines` drawn by tests.images, and its PNG."""
    drawn = images.text_image(lines, size=size, width=width)
    out_lines = []
    for line in lines:
        words = [{"text": w, "confidence": 0.95, "box": box(drawn.words[w])} for w in line.split()]
        xs = [p[0] for w in words for p in w["box"]]
        ys = [p[1] for w in words for p in w["box"]]
        out_lines.append({"text": line, "confidence": 0.95, "box": box((min(xs), min(ys), max(xs), max(ys))),
                          "words": words})
    page = {"width": drawn.image.width, "height": drawn.image.height, "text": "\n".join(lines), "lines": out_lines}
    return page, images.encode(drawn.image, "PNG")


@dataclass
class FakeJob:
    """A page job whose recording is made of one part per line (in reading order)."""
    job_id: str
    filename: str
    result: dict  # the finished result
    outputs: dict  # file name -> presigned URL
    image_url: str
    parts: list  # the finished result's speech.parts
    words: list  # the finished result's speech.words
    status: str = "done"
    shown_parts: int | None = None  # while processing: how many parts exist so far
    edit: object = None  # a function answer -> answer, applied last (a test's own changes)
    requests: int = 0
    position: float | None = None  # PUT /jobs/{id}/position's last `t` (served as GET's `position`)
    positions: list = field(default_factory=list)  # every `t` PUT, in order

    def answer(self) -> dict:
        result = copy.deepcopy(self.result)
        outputs = dict(self.outputs)
        if self.status == "processing":
            n = len(self.parts) if self.shown_parts is None else self.shown_parts
            made = self.parts[:n]
            end = made[-1]["start"] + made[-1]["seconds"] if made else 0
            result["speech"] = {**result["speech"], "complete": False, "parts": made,
                                "words": [w for w in self.words if w["end"] <= end + 1e-6],
                                "seconds": round(end, 3)}
            names = {p["file"] for p in made}
            outputs = {k: v for k, v in outputs.items()
                       if not k.startswith("speech") or k in names}
        answer = {"job_id": self.job_id, "kind": "page", "status": self.status, "filename": self.filename,
                "content_type": "image/png", "size": 1000, "created_at": "2026-11-22T10:00:00Z",
                "updated_at": "2026-11-22T10:00:05Z", "error": None, "timings_ms": None, "summary": None,
                "result": result,
                "audio_url": outputs.get("speech.wav") if self.status == "done" else None,
                "outputs": outputs, "image_url": self.image_url}
        if self.position is not None:
            answer["position"] = {"t": self.position, "at": "2026-11-22T10:05:00Z"}
        return self.edit(answer) if self.edit else answer

    def serve(self, page, site_origin: str) -> None:
        """Answer this job's GET /jobs/{id} and PUT /jobs/{id}/position (and their preflights)
        in `page` (or in a whole browser context)."""
        pattern = re.compile(rf".*/jobs/{re.escape(self.job_id)}$")
        cors = cors_headers(site_origin, "GET,PUT,DELETE,OPTIONS")

        def handle(route):
            if route.request.method == "OPTIONS":
                route.fulfill(status=200, headers=cors, body="")
                return
            self.requests += 1
            route.fulfill(status=200, headers={**cors, "Content-Type": "application/json"},
                          body=json.dumps(self.answer()))

        def position(route):
            if route.request.method == "PUT":
                self.position = float(json.loads(route.request.post_data or "{}")["t"])
                self.positions.append(self.position)
            route.fulfill(status=200 if route.request.method == "OPTIONS" else 204, headers=cors, body="")

        page.route(pattern, handle)
        page.route(re.compile(rf".*/jobs/{re.escape(self.job_id)}/position$"), position)


def spaced_page(words: list[str], size: int = 14, width: int = 1600, height: int = 600) -> tuple[dict, bytes]:
    """A page of small words far apart (one per line), for hit-area tests: (page, PNG)."""
    from PIL import Image, ImageDraw
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    f = images.font(size)
    lines = []
    for i, word in enumerate(words):
        x, y = 100 + i * (width - 300) // max(1, len(words) - 1), 80 + i * (height - 160) // max(1, len(words) - 1)
        draw.text((x, y), word, font=f, fill="black")
        b = box(draw.textbbox((x, y), word, font=f))
        lines.append({"text": word, "confidence": 0.95, "box": b, "words": [{"text": word, "confidence": 0.95, "box": b}]})
    page = {"width": width, "height": height, "text": "\n".join(words), "lines": lines}
    return page, images.encode(img, "PNG")


def make_job(stack, pages_lines: list[list[str]], *, filename: str = "letter.png", unsure=None,
             document: bool = False, drawn: list[tuple[dict, bytes]] | None = None,
             voice_timings: bool = False, sentences: bool = False) -> FakeJob:
    """A finished job of one photo (or, with `document`, of one page per entry), its recording
    made line by line with the real voice: one WAV part per line, word times spread over each
    line in proportion to the words' lengths (`voice_timings`: the voice's own, as a real job's).
    `sentences`: speech.sentences (CONTRACTS section 14) from the words' punctuation."""
    store = Store(stack)
    pages, outputs = [], {}
    for i, lines in enumerate(pages_lines):
        page, png = drawn[i] if drawn else page_of(lines)
        if document:
            name = f"page-{i + 1:03d}.jpg"  # (PNG bytes: the browser reads them by content)
            outputs[name] = store.put(name, png, "image/png")
            page = {**page, "source": "ocr", "image": name}
        else:
            image_url = store.put("source.png", png, "image/png")
        pages.append(page)
    order = [(p, li) for p, page in enumerate(pages) for li in range(len(page["lines"]))]
    parts, words, start = record(store, pages, order, outputs, document=document, voice_timings=voice_timings)
    first = pages[0]
    text = "\n\n".join(page["text"] for page in pages) if document else first["text"]
    result = {"schema": 1, "kind": "page", "engine": "rapidocr", "width": first["width"], "height": first["height"],
              "text": text, "lines": first["lines"], "timings_ms": {"decode": 1, "ocr": 1, "tts": 1},
              "speech": {"engine": "piper", "seconds": round(start, 3), "characters": len(text), "complete": True,
                         "parts": parts, "words": words}}
    if document:
        result["pages"] = pages
        result["document"] = {"pages_in_file": len(pages), "pages": len(pages), "read": len(pages), "complete": True}
        image_url = outputs[pages[0]["image"]]
    if unsure is not None:
        result["unsure"] = unsure
    if sentences:
        result["speech"]["sentences"] = sentences_of(pages, words)
    return FakeJob(job_id=f"01FAKE{uuid.uuid4().hex[:20].upper()}", filename=filename, result=result,
                   outputs=outputs, image_url=image_url, parts=parts, words=words)


def record(store: Store, pages: list[dict], order: list[tuple[int, int]], outputs: dict, *,
           document: bool, voice_timings: bool = False) -> tuple[list, list, float]:
    """The recording of the lines `order` names ((page, line), in speaking order): one WAV part
    per line in the real voice, word times spread over each line in proportion to the words'
    lengths (or the voice's own), and speech.wav joined from the parts (all put in `outputs`).
    (parts, words, seconds)."""
    parts, words, wavs, start = [], [], [], 0.0
    for p, li in order:
        line = pages[p]["lines"][li]
        wav, seconds, own = spoken(line["text"])
        name = f"speech-{len(parts):03d}.wav"
        outputs[name] = store.put(name, wav, "audio/wav")
        wavs.append(wav)
        parts.append({"file": name, "start": round(start, 3), "seconds": round(seconds, 3)})
        speech_s = seconds - PART_GAP_S
        weights = [len(w["text"]) + 1 for w in line["words"]]
        at = start + 0.05
        for wi, weight in enumerate(weights):
            length = (speech_s - 0.1) * weight / sum(weights)
            span = (at, at + length)
            if voice_timings:
                assert own is not None and own[wi] is not None, "the voice gave no timing for a word"
                span = (start + own[wi][0], start + own[wi][1])
            word = {"line": li, "word": wi, "start": round(span[0], 3), "end": round(span[1], 3)}
            if document:
                word["page"] = p
            words.append(word)
            at += length
        start += seconds
    outputs["speech.wav"] = store.put("speech.wav", join_wavs(wavs), "audio/wav")
    return parts, words, start


DEFAULT_SKIP = ["page-header", "page-footer", "page-number", "footnote", "code"]


def make_structured_job(stack, pages_blocks: list[list[dict]], *, filename: str = "harbour-report.pdf",
                        document: bool = True, skip: list[str] | None = None) -> FakeJob:
    """A finished job whose pages carry `blocks` (CONTRACTS section 13), with `skip`, `skipped`,
    `chapters` (one per title and heading, with its start) and a recording of the spoken blocks
    only, in reading order (the same one part per line as make_job).

    Each page is a list of blocks in reading order: {"role", "text": [lines]} plus "level" for a
    heading and "spoken" to override `skip`; a table gives "rows" (lists of cell texts, the
    first "header_rows" rows headers, default 1) instead of "text"; a figure may give no text."""
    skip = DEFAULT_SKIP if skip is None else skip
    store = Store(stack)
    pages, outputs, image_url = [], {}, None
    for i, spec in enumerate(pages_blocks):
        texts, blocks = [], []
        for b in spec:
            blocks.append(_block(b, texts, skip))
        page, png = page_of(texts)
        for block in blocks:
            ys = [pt for li in block["lines"] for pt in page["lines"][li]["box"]]
            block["box"] = box((min(x for x, _ in ys), min(y for _, y in ys), max(x for x, _ in ys),
                                max(y for _, y in ys))) if ys else box((40, 40, 200, 120))
        page["blocks"] = blocks
        if document:
            name = f"page-{i + 1:03d}.jpg"
            outputs[name] = store.put(name, png, "image/png")
            page = {**page, "source": "ocr", "image": name}
            image_url = image_url or outputs[name]
        else:
            image_url = store.put("source.png", png, "image/png")
        pages.append(page)
    order = [(p, li) for p, page in enumerate(pages) for b in page["blocks"] if b["spoken"] for li in b["lines"]]
    parts, words, seconds = record(store, pages, order, outputs, document=document)
    starts = {(w.get("page", 0), w["line"]): w["start"] for w in reversed(words)}
    skipped, chapters = {}, []
    for p, page in enumerate(pages):
        for bi, b in enumerate(page["blocks"]):
            if not b["spoken"]:
                skipped[b["role"]] = skipped.get(b["role"], 0) + 1
            elif b["role"] in ("title", "heading") and b["lines"]:
                chapters.append({"title": " ".join(page["lines"][li]["text"] for li in b["lines"]),
                                 "level": 1 if b["role"] == "title" else b["level"], "page": p, "block": bi,
                                 "start": round(starts[(p, b["lines"][0])] - 0.05, 3)})
    first = pages[0]
    text = "\n\n".join(page["text"] for page in pages)
    result = {"schema": 1, "kind": "page", "engine": "rapidocr", "width": first["width"], "height": first["height"],
              "text": text, "lines": first["lines"], "timings_ms": {"decode": 1, "ocr": 1, "tts": 1},
              "speech": {"engine": "piper", "seconds": round(seconds, 3), "characters": len(text), "complete": True,
                         "parts": parts, "words": words},
              "skip": list(skip), "skipped": skipped, "chapters": chapters}
    if document:
        result["pages"] = pages
        result["document"] = {"pages_in_file": len(pages), "pages": len(pages), "read": len(pages), "complete": True}
    else:
        result["blocks"] = first["blocks"]
    return FakeJob(job_id=f"01FAKE{uuid.uuid4().hex[:20].upper()}", filename=filename, result=result,
                   outputs=outputs, image_url=image_url, parts=parts, words=words)


def _block(spec: dict, texts: list[str], skip: list[str]) -> dict:
    """One block of make_structured_job: its lines appended to `texts` (the page's lines)."""
    role = spec["role"]
    block = {"role": role, "lines": [], "spoken": spec.get("spoken", role not in skip)}
    if role == "heading":
        block["level"] = spec.get("level", 2)
    if role != "table":
        for t in spec.get("text", []):
            block["lines"].append(len(texts))
            texts.append(t)
        return block
    header_rows = spec.get("header_rows", 1)
    block.update(rows=len(spec["rows"]), cols=max(len(r) for r in spec["rows"]), cells=[])
    for r, row in enumerate(spec["rows"]):
        for c, t in enumerate(row):
            block["cells"].append({"row": r, "col": c, "header": r < header_rows, "lines": [len(texts)]})
            block["lines"].append(len(texts))
            texts.append(t)
    return block


SENTENCE_END = re.compile(r"[.!?][\"')]*$")


def sentences_of(pages: list[dict], words: list[dict]) -> list[dict]:
    """speech.sentences (CONTRACTS section 14) for `words` (speech.words, in speaking order): a
    sentence ends at a word ending in . ! or ?; each starts a little before its first word, as
    the pause before it is the sentence's."""
    out, ended = [], True
    for w in words:
        if ended:
            first = {"start": round(max(0.0, w["start"] - 0.05), 3), "line": w["line"], "word": w["word"]}
            if "page" in w:
                first["page"] = w["page"]
            out.append(first)
        out[-1]["end"] = w["end"]
        text = pages[w.get("page", 0)]["lines"][w["line"]]["words"][w["word"]]["text"]
        ended = bool(SENTENCE_END.search(text))
    return out


def join_wavs(wavs: list[bytes]) -> bytes:
    import wave
    frames, rate = [], 22050
    for data in wavs:
        with wave.open(io.BytesIO(data)) as w:
            rate = w.getframerate()
            frames.append(w.readframes(w.getnframes()))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(frames))
    return out.getvalue()


def sign_photo(lines: list[str], size: int = 26, width: int = 960, height: int = 1280) -> tuple[dict, bytes]:
    """A phone photo (portrait) of a street scene with a small sign near its bottom edge: a tree in
    the middle, the sign's `lines` in a white panel low on the left. (page, JPEG bytes); the boxes are
    the drawn words' own."""
    from PIL import Image, ImageDraw
    img = Image.new("RGB", (width, height), (150, 190, 225))  # sky
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, height * 0.55, width, height), fill=(120, 130, 110))  # ground
    draw.rectangle((width * 0.47, height * 0.3, width * 0.53, height * 0.62), fill=(90, 60, 30))  # trunk
    draw.ellipse((width * 0.25, height * 0.08, width * 0.75, height * 0.42), fill=(40, 110, 50))  # crown
    f = images.font(size)
    x0, y0, gap = int(width * 0.12), int(height * 0.83), int(size * 0.5)
    heights = [draw.textbbox((0, 0), line, font=f)[3] for line in lines]
    widest = max(draw.textlength(line, font=f) for line in lines)
    draw.rectangle((x0 - 16, y0 - 14, x0 + widest + 16, y0 + sum(heights) + gap * len(lines) + 6), fill="white",
                   outline=(30, 30, 30), width=3)
    out_lines, y = [], y0
    for line, line_height in zip(lines, heights):
        words, x = [], x0
        for word in line.split():
            draw.text((x, y), word, font=f, fill="black")
            words.append({"text": word, "confidence": 0.95, "box": box(draw.textbbox((x, y), word, font=f))})
            x += draw.textlength(word + " ", font=f)
        xs = [p[0] for w in words for p in w["box"]]
        ys = [p[1] for w in words for p in w["box"]]
        out_lines.append({"text": line, "confidence": 0.95, "box": box((min(xs), min(ys), max(xs), max(ys))),
                          "words": words})
        y += line_height + gap
    page = {"width": width, "height": height, "text": "\n".join(lines), "lines": out_lines}
    return page, images.encode(img, "JPEG", quality=85)
