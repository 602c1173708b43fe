// The result of a `page` job (CONTRACTS sections 1, 7 and 10): the player, the text, and the
// photo (or each page of a document) with a box over every word, in that order in the page.
//
// Read-along: the word being spoken is highlighted in the text and on the photo
// (aria-current="true", one element of each at a time), following result.speech.words against
// the playback position on every animation frame. A word selected in the text or on the photo
// plays from its start. While the job is still processing, the result is re-published as the
// recording grows (result.speech.parts): the player starts with the first part and the rest
// are appended as the poll brings them (player.js). For a document, the shown page follows the
// spoken word.

import * as api from "../api.js";
import { announce, rovingKeys, scrollWithin, showMessage } from "../dom.js";
import { bounds, pct, renderBoxes, renderText } from "../overlay.js";
import { createPlayer, SPEEDS } from "../player.js";
import { downloadName, setUpAudio, setUpCopy, setUpDownload } from "../result-parts.js";
import { setUpZoom } from "../zoom.js";

const SPEECH_MP3 = "speech.mp3";
const SPEECH_WAV = "speech.wav";
const POLL_WAITING_MS = 500; // processing, no recording yet: catch its first part early
const POLL_GROWING_MS = 1000; // the recording is growing
const URL_MAX_AGE_MS = 10 * 60 * 1000; // presigned GETs last 15 minutes: refresh before that
const SEEK_STEP_S = 5;

export function isDocument(result) {
  return Array.isArray(result?.pages) && result.pages.length > 0 && (result.pages.length > 1 || Boolean(result.document));
}

function pagesOf(result) {
  if (isDocument(result)) return result.pages;
  return [{ width: result.width, height: result.height, text: result.text, lines: result.lines || [], image: null }];
}

/** Every word of every page, with its page, line and place, and one running index. */
export function allWords(pages) {
  const words = [];
  pages.forEach((page, pageIndex) => {
    (page.lines || []).forEach((line, lineIndex) => {
      (line.words || []).forEach((word, wordInLine) => {
        words.push({ ...word, pageIndex, lineIndex, wordInLine, index: words.length });
      });
    });
  });
  return words;
}

const plural = (n, one, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function spokenClock(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  const m = Math.floor(s / 60);
  const rest = s % 60;
  return m ? `${plural(m, "minute")} ${plural(rest, "second")}` : plural(rest, "second");
}

export const pageView = {
  empty: { width: 1, height: 1, text: "", lines: [] },
  doneText(result) {
    const pages = pagesOf(result);
    const count = allWords(pages).length;
    if (isDocument(result)) {
      return count ? `Done: ${plural(count, "word")} on ${plural(pages.length, "page")}.`
        : `Done: no text was found on ${plural(pages.length, "page")}.`;
    }
    return count ? `Done: ${plural(count, "word")} found.` : "Done: no text was found in this photo.";
  },
  /** The status while the result grows (status processing). */
  progressText(result) {
    const doc = result.document;
    let read = "Text ready.";
    if (doc && isDocument(result)) {
      const total = doc.pages || result.pages.length;
      const done = doc.read ?? result.pages.length;
      read = done < total ? `Page ${done} of ${total} read…` : `All ${plural(total, "page")} read.`;
    }
    const parts = result.speech?.parts?.length;
    if (!result.text) return `${read} No text so far.`;
    return parts ? `${read} You can listen now; the rest of the recording is being made.` : `${read} Making the recording…`;
  },
  show: showPage,
};

function showPage(root, job, result, signal) {
  const panel = root.querySelector("#result");
  panel.hidden = false;
  const els = {
    text: root.querySelector("#result-text"),
    overlay: root.querySelector("#overlay"),
    toggle: root.querySelector("#overlay-toggle"),
    img: root.querySelector("#result-image"),
    figure: root.querySelector("#figure"),
    viewport: root.querySelector("#zoom-viewport"),
    player: root.querySelector("#player"),
    play: root.querySelector("#play-button"),
    time: root.querySelector("#player-time"),
    seek: root.querySelector("#player-seek"),
    speed: root.querySelector("#player-speed"),
    prevWord: root.querySelector("#prev-word"),
    nextWord: root.querySelector("#next-word"),
    state: root.querySelector("#player-state"),
    audioNote: root.querySelector("#audio-note"),
    audioA: root.querySelector("#result-audio"),
    audioB: root.querySelector("#result-audio-next"),
    pageNav: root.querySelector("#page-nav"),
    pagePrev: root.querySelector("#page-prev"),
    pageNext: root.querySelector("#page-next"),
    pageLabel: root.querySelector("#page-label"),
    pageList: root.querySelector("#page-list"),
    unsureNote: root.querySelector("#unsure-note"),
    unsureDetails: root.querySelector("#unsure-details"),
    unsureList: root.querySelector("#unsure-list"),
    docNote: root.querySelector("#document-note"),
    downloadAudio: root.querySelector("#download-audio"),
    imageTitle: root.querySelector("#image-title"),
    error: root.querySelector("#job-error"),
  };

  const state = {
    job,
    result: null,
    doc: false,
    pages: [],
    words: [],
    keyIndex: new Map(), // "page:line:word" -> running index
    timings: [], // {index, start, end}, in speaking order
    timingOf: new Map(), // running index -> its position in timings
    shape: "",
    page: -1, // the page shown
    current: -1, // the word being spoken
    selected: -1,
    spans: [],
    spanByIndex: new Map(),
    boxes: [],
    boxByIndex: new Map(),
    urls: {}, // output file -> its presigned URL (the first one seen: a stable src)
    urlsAt: Date.now(),
    imageUrl: job.image_url,
    textShown: false,
    unsureAnnounced: false,
    docAnnounced: false,
  };

  // ---- The player (only when there is text: otherwise the note says there is no recording).
  els.player.append(els.audioA, els.audioB);
  els.player.insertBefore(els.audioNote, els.player.querySelector("#shortcuts"));
  els.audioA.controls = false;
  els.audioA.hidden = true;
  els.audioB.hidden = true;
  root.querySelector("#audio-title").hidden = true;

  const player = createPlayer({
    elements: [els.audioA, els.audioB],
    signal,
    refresh: refreshUrls,
    onChange: showPlayerState,
    onTick: follow,
  });

  els.speed.replaceChildren(...SPEEDS.map((value) => {
    const option = document.createElement("option");
    option.value = String(value);
    option.textContent = `${value}×`;
    option.selected = value === player.rate;
    return option;
  }));
  els.speed.addEventListener("change", () => {
    player.setRate(Number(els.speed.value));
    announce(`Speed ${els.speed.value} times.`);
  }, { signal });
  els.play.addEventListener("click", () => player.toggle(), { signal });
  els.prevWord.addEventListener("click", () => stepWord(-1), { signal });
  els.nextWord.addEventListener("click", () => stepWord(1), { signal });

  let dragging = false;
  els.seek.addEventListener("pointerdown", () => { dragging = true; }, { signal });
  window.addEventListener("pointerup", () => { dragging = false; }, { signal });
  els.seek.addEventListener("input", () => player.seek(Number(els.seek.value)), { signal });
  els.seek.addEventListener("change", () => { dragging = false; }, { signal });

  let lastSpokenSecond = -1;
  function showTime(t) {
    const total = player.duration();
    const growing = !player.final && player.hasParts;
    els.time.textContent = `${clock(t)} / ${clock(total)}${growing ? " so far" : ""}`;
    els.seek.max = String(total || 0);
    if (!dragging) els.seek.value = String(Math.min(t, total || 0));
    const second = Math.floor(t);
    if (second !== lastSpokenSecond) { // not every frame: screen readers read each change
      lastSpokenSecond = second;
      els.seek.setAttribute("aria-valuetext", `${spokenClock(t)} of ${spokenClock(total)}`);
    }
  }

  function showPlayerState() {
    const playing = player.playing;
    els.play.textContent = playing ? "Pause" : "Play";
    els.play.dataset.state = playing ? "playing" : "paused";
    els.player.dataset.ready = String(player.ready);
    els.seek.disabled = !player.hasParts;
    let note = "";
    if (player.waiting && !player.hasParts) note = "Waiting for the recording: it starts in a moment…";
    else if (player.waiting) note = "Waiting for the next part of the recording…";
    else if (!player.hasParts && !state.job.audio_url) note = "The recording is being made…";
    if (els.state.textContent !== note) els.state.textContent = note;
    showTime(player.time());
  }

  // ---- Read-along: the spoken word follows the playback position.
  function wordAt(t) {
    const list = state.timings;
    let lo = 0;
    let hi = list.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].start <= t + 1e-3) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }

  function follow(t) {
    showTime(t);
    const at = wordAt(t);
    setCurrent(at >= 0 ? state.timings[at].index : -1, { follow: player.playing });
  }

  function setCurrent(index, { follow: followPage = true } = {}) {
    if (index === state.current) return;
    const oldSpan = state.spanByIndex.get(state.current);
    const oldBox = state.boxByIndex.get(state.current);
    for (const el of [oldSpan, oldBox]) {
      el?.classList.remove("is-current");
      el?.removeAttribute("aria-current");
    }
    state.current = index;
    if (index < 0) return;
    const word = state.words[index];
    if (followPage && word && word.pageIndex !== state.page) showPageAt(word.pageIndex, { announceIt: true });
    markCurrent();
  }

  function markCurrent() {
    const span = state.spanByIndex.get(state.current);
    const box = state.boxByIndex.get(state.current);
    for (const el of [span, box]) {
      el?.classList.add("is-current");
      el?.setAttribute("aria-current", "true");
    }
    if (span) scrollWithin(els.text, span);
    if (box) zoom.reveal(box);
  }

  function stepWord(dir) {
    if (!state.timings.length) return;
    let at = state.timingOf.get(state.current);
    if (at === undefined) at = wordAt(player.time());
    const next = Math.max(0, Math.min(state.timings.length - 1, at < 0 ? 0 : at + dir));
    const timing = state.timings[next];
    player.seek(timing.start + 0.001);
    setCurrent(timing.index);
    if (!player.playing) announce(state.words[timing.index]?.text || "");
  }

  function playFrom(index) {
    const at = state.timingOf.get(index);
    if (at === undefined) {
      const word = state.words[index];
      announce(player.final || state.job.status === "done"
        ? `“${word?.text}” is not in the recording.`
        : `“${word?.text}” has not been recorded yet.`);
      return;
    }
    player.seek(state.timings[at].start + 0.001);
    setCurrent(index);
    player.play();
  }

  // ---- Keyboard shortcuts (when focus is not in a field): Space, Left/Right, Shift+Left/Right.
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (els.player.hidden || !document.body.contains(els.player)) return;
    const target = event.target instanceof Element ? event.target : document.body;
    if (target.closest("input, select, textarea, [contenteditable=''], [contenteditable='true']")) return;
    if (event.key === " " || event.key === "Spacebar") {
      // Buttons, links and summaries act on Space themselves.
      if (target.closest("button, a[href], summary, [role='button']")) return;
      event.preventDefault();
      player.toggle();
    } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      if (target === els.viewport) return; // the arrow keys move the zoomed photo
      const dir = event.key === "ArrowLeft" ? -1 : 1;
      event.preventDefault();
      if (event.shiftKey) player.seek(player.time() + dir * SEEK_STEP_S);
      else stepWord(dir);
    }
  }, { signal });

  // ---- The photo (or the shown page), zoomable, with its boxes.
  root.querySelector("#zoom-controls").hidden = false;
  els.figure.classList.add("figure-zoomable");
  const zoom = setUpZoom({
    viewport: els.viewport,
    figure: els.figure,
    img: els.img,
    zoomIn: root.querySelector("#zoom-in"),
    zoomOut: root.querySelector("#zoom-out"),
    fit: root.querySelector("#zoom-fit"),
    level: root.querySelector("#zoom-level"),
    signal,
    aspect: result.width && result.height ? result.width / result.height : 1,
  });
  els.toggle.addEventListener("change", () => { els.overlay.hidden = !els.toggle.checked; }, { signal });
  let imageRetried = false;
  els.img.addEventListener("error", async () => {
    if (!els.img.getAttribute("src")) return;
    if (!imageRetried) { // a presigned URL that has expired: ask for a fresh one, once
      imageRetried = true;
      try {
        await refreshUrls();
        const page = state.pages[state.page];
        const fresh = state.doc ? urlOf(page?.image) : state.job.image_url;
        if (fresh && fresh !== els.img.getAttribute("src")) {
          if (!state.doc) state.imageUrl = fresh;
          els.img.src = fresh;
          return;
        }
      } catch {
        if (signal.aborted) return;
      }
    }
    showMessage(els.error, state.doc
      ? "This page's image could not be loaded. Reload the page to try again."
      : "The photo could not be loaded. Reload the page to try again.");
  }, { signal });

  function showPageAt(p, { announceIt = false, focus = false } = {}) {
    const page = state.pages[p];
    if (!page) return;
    const changed = p !== state.page;
    state.page = p;
    const name = job.filename ? `, ${job.filename}` : "";
    if (page.width && page.height) {
      els.img.width = page.width;
      els.img.height = page.height;
    }
    if (state.doc) {
      els.img.alt = `Page ${p + 1} of ${state.pages.length}${name}`;
      const url = page.image ? urlOf(page.image) : null;
      if (url && els.img.getAttribute("src") !== url) els.img.src = url;
      else if (!url) els.img.removeAttribute("src");
    } else {
      els.img.alt = `Your photo${name}`;
      if (state.imageUrl && !els.img.getAttribute("src")) els.img.src = state.imageUrl;
    }
    if (changed) zoom.setAspect(page.width && page.height ? page.width / page.height : 1);
    renderOverlay();
    renderPageNav();
    if (changed && state.doc && announceIt) announce(`Page ${p + 1} of ${state.pages.length}.`);
    if (focus) els.pageList.querySelector(`[data-page-index="${p}"]`)?.focus();
  }

  function renderOverlay() {
    const page = state.pages[state.page];
    const pageWords = state.words.filter((w) => w.pageIndex === state.page);
    const boxes = renderBoxes(els.overlay, { width: page.width, height: page.height }, pageWords);
    for (const box of boxes) {
      box.dataset.pageIndex = String(state.page);
      box.addEventListener("click", () => choose(Number(box.dataset.wordIndex)), { signal });
      box.addEventListener("keydown", (event) => rovingKeys(boxes, box, event, setBoxStop), { signal });
    }
    state.boxes = boxes;
    state.boxByIndex = new Map(boxes.map((el) => [Number(el.dataset.wordIndex), el]));
    // Words read with too little confidence to be in the text: a dashed outline, no target.
    const marks = unsureOf(state.page).map((word) => {
      const mark = document.createElement("span");
      mark.className = "unsure-mark";
      mark.dataset.testid = "unsure-box";
      mark.setAttribute("aria-hidden", "true");
      if (Array.isArray(word.box) && word.box.length >= 2 && page.width && page.height) {
        const b = bounds(word.box);
        mark.style.left = pct(b.left, page.width);
        mark.style.top = pct(b.top, page.height);
        mark.style.width = pct(b.width, page.width);
        mark.style.height = pct(b.height, page.height);
      }
      return mark;
    });
    els.overlay.prepend(...marks);
    const selectedBox = state.boxByIndex.get(state.selected);
    if (selectedBox) {
      selectedBox.classList.add("selected");
      selectedBox.setAttribute("aria-pressed", "true");
      setBoxStop(selectedBox);
    }
    markCurrent();
  }

  function setBoxStop(box) {
    for (const el of state.boxes) el.tabIndex = el === box ? 0 : -1;
    zoom.reveal(box);
  }

  function setTextStop(span) {
    for (const el of state.spans) el.tabIndex = el === span ? 0 : -1;
  }

  // A word chosen in the text or on the photo: selected in both, and played from its start.
  function choose(index) {
    select(index);
    if (player.hasParts || state.job.audio_url) playFrom(index);
  }

  function select(index) {
    if (state.selected >= 0) {
      state.spanByIndex.get(state.selected)?.classList.remove("selected");
      const old = state.boxByIndex.get(state.selected);
      old?.classList.remove("selected");
      old?.setAttribute("aria-pressed", "false");
    }
    state.selected = index;
    const word = state.words[index];
    if (word && word.pageIndex !== state.page) showPageAt(word.pageIndex);
    const span = state.spanByIndex.get(index);
    const box = state.boxByIndex.get(index);
    span?.classList.add("selected");
    box?.classList.add("selected");
    box?.setAttribute("aria-pressed", "true");
    if (span) { scrollWithin(els.text, span); setTextStop(span); }
    if (box) setBoxStop(box);
  }

  // ---- Pages of a document: previous / next, and one button per page.
  els.pagePrev.addEventListener("click", () => showPageAt(state.page - 1, { announceIt: true }), { signal });
  els.pageNext.addEventListener("click", () => showPageAt(state.page + 1, { announceIt: true }), { signal });
  els.pageList.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-page-index]");
    if (button) showPageAt(Number(button.dataset.pageIndex), { announceIt: true });
  }, { signal });
  els.pageList.addEventListener("keydown", (event) => {
    const button = event.target.closest("button[data-page-index]");
    if (!button) return;
    const buttons = [...els.pageList.querySelectorAll("button[data-page-index]")];
    rovingKeys(buttons, button, event, (dest) => { for (const b of buttons) b.tabIndex = b === dest ? 0 : -1; });
  }, { signal });

  function renderPageNav() {
    els.pageNav.hidden = !state.doc;
    if (!state.doc) return;
    const total = state.pages.length;
    const expected = state.result.document?.pages || total;
    els.pageLabel.textContent = `Page ${state.page + 1} of ${total}${expected > total ? ` (${expected - total} more being read)` : ""}`;
    els.pagePrev.disabled = state.page <= 0;
    els.pageNext.disabled = state.page >= total - 1;
    const existing = els.pageList.querySelectorAll("button[data-page-index]");
    if (existing.length !== total) {
      els.pageList.replaceChildren(...state.pages.map((_, i) => {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "page-button";
        button.dataset.pageIndex = String(i);
        button.dataset.testid = "page-button";
        button.textContent = String(i + 1);
        button.setAttribute("aria-label", `Page ${i + 1}`);
        item.append(button);
        return item;
      }));
    }
    for (const button of els.pageList.querySelectorAll("button[data-page-index]")) {
      const on = Number(button.dataset.pageIndex) === state.page;
      if (on) button.setAttribute("aria-current", "page");
      else button.removeAttribute("aria-current");
      button.tabIndex = on ? 0 : -1;
    }
  }

  // ---- The text (all pages, each under its heading), its words a roving group.
  els.text.addEventListener("click", (event) => {
    const span = event.target.closest(".text-word");
    if (span) choose(Number(span.dataset.wordIndex));
  }, { signal });
  els.text.addEventListener("keydown", (event) => {
    const span = event.target.closest?.(".text-word");
    if (!span) return;
    if (event.key === "Enter") {
      event.preventDefault();
      choose(Number(span.dataset.wordIndex));
      return;
    }
    rovingKeys(state.spans, span, event, setTextStop);
  }, { signal });

  function renderTextAll() {
    const focused = document.activeElement?.closest?.("#result-text .text-word")?.dataset.wordIndex;
    els.text.replaceChildren();
    els.text.classList.remove("is-empty");
    const spans = [];
    state.pages.forEach((page, p) => {
      const pageWords = state.words.filter((w) => w.pageIndex === p);
      let target = els.text;
      if (state.doc) {
        target = document.createElement("section");
        target.className = "text-page";
        target.dataset.pageIndex = String(p);
        const heading = document.createElement("h3");
        heading.id = `text-page-${p}`;
        heading.className = "text-page-title";
        heading.textContent = `Page ${p + 1}`;
        target.setAttribute("aria-labelledby", heading.id);
        target.append(heading);
        els.text.append(target);
      }
      if ((page.lines || []).length) {
        spans.push(...renderText(target, { lines: page.lines, text: page.text }, pageWords));
      } else if (state.doc) {
        const empty = document.createElement("p");
        empty.className = "text-line is-empty";
        empty.textContent = "No text was found on this page.";
        target.append(empty);
      }
    });
    if (!spans.length && !state.doc) {
      els.text.textContent = state.result.text || "No text was found in this photo.";
      els.text.classList.add("is-empty");
    }
    for (const span of spans) {
      const word = state.words[Number(span.dataset.wordIndex)];
      span.dataset.pageIndex = String(word?.pageIndex ?? 0);
      span.tabIndex = -1;
    }
    state.spans = spans;
    state.spanByIndex = new Map(spans.map((el) => [Number(el.dataset.wordIndex), el]));
    const stop = state.spanByIndex.get(Number(focused)) || state.spanByIndex.get(state.selected) || spans[0];
    if (stop) stop.tabIndex = 0;
    if (focused !== undefined) state.spanByIndex.get(Number(focused))?.focus({ preventScroll: true });
    state.spanByIndex.get(state.selected)?.classList.add("selected");
  }

  // ---- Words read with low confidence and left out of the text (result.unsure).
  function unsureOf(p) {
    return (state.result.unsure || []).filter((u) => (u.page ?? 0) === p);
  }

  function renderUnsure() {
    const unsure = state.result.unsure || [];
    const n = unsure.length;
    showMessage(els.unsureNote, n
      ? `${plural(n, "unsure word")} ${n === 1 ? "was" : "were"} left out of the text: marked with dashed outlines on the ${state.doc ? "pages" : "photo"}.`
      : "");
    els.unsureDetails.hidden = !n;
    root.querySelector("#legend-unsure").hidden = !n;
    els.unsureList.replaceChildren(...unsure.map((word) => {
      const item = document.createElement("li");
      const where = state.doc ? ` on page ${(word.page ?? 0) + 1}` : "";
      const sure = typeof word.confidence === "number" ? `, ${Math.round(word.confidence * 100)}% sure` : "";
      item.textContent = `“${word.text}”${where}${sure}`;
      return item;
    }));
    if (n && !state.unsureAnnounced) {
      state.unsureAnnounced = true;
      announce(els.unsureNote.textContent);
    }
  }

  function renderDocumentNote() {
    const doc = state.result.document;
    let note = "";
    if (doc && doc.complete === false && state.job.status === "done") {
      note = doc.reason === "pages"
        ? `This document has ${plural(doc.pages_in_file, "page")}; PageVoice read the first ${plural(doc.pages, "page")}. The pages after that were left out.`
        : `Not every page could be read: PageVoice read ${doc.read ?? state.pages.length} of ${plural(doc.pages_in_file || doc.pages, "page")}.`;
    }
    if (state.result.complete === false && state.result.reason === "size" && state.job.status === "done") {
      // The worker's last guard (jobs/objects.py): the result grew past the largest it keeps.
      note = `What PageVoice read grew too large to keep whole: it kept the text read up to there${state.doc ? ` (${plural(state.pages.length, "page")})` : ""}.`;
    }
    showMessage(els.docNote, note);
    if (note && !state.docAnnounced) {
      state.docAnnounced = true;
      announce(note);
    }
  }

  // ---- Presigned URLs: the first one seen per file (a stable src), fresh ones when old.
  function urlOf(file) {
    if (!state.urls[file] && state.job.outputs?.[file]) state.urls[file] = state.job.outputs[file];
    return state.urls[file] || null;
  }

  async function refreshUrls() {
    const fresh = await api.getJob(state.job.job_id, { signal });
    state.job = { ...state.job, outputs: fresh.outputs, audio_url: fresh.audio_url, image_url: fresh.image_url };
    state.urls = { ...(fresh.outputs || {}) };
    if (fresh.audio_url) state.urls[SPEECH_WAV] ??= fresh.audio_url;
    state.urlsAt = Date.now();
    return state.urls;
  }

  // The compressed recording, downloaded under the upload's name (the URL is another origin's,
  // where `download` is ignored: fetch it and save the bytes).
  const mp3Name = () => state.result?.speech?.download || SPEECH_MP3;
  els.downloadAudio.addEventListener("click", async (event) => {
    event.preventDefault();
    const name = downloadName(state.job.filename, ".mp3");
    try {
      if (Date.now() - state.urlsAt > URL_MAX_AGE_MS) await refreshUrls();
      let response = await fetch(urlOf(mp3Name()));
      if (!response.ok) {
        await refreshUrls();
        response = await fetch(urlOf(mp3Name()));
      }
      if (!response.ok) throw new Error(String(response.status));
      const blob = await response.blob();
      const href = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = href;
      link.download = name;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(href), 60_000);
    } catch (error) {
      if (signal.aborted) return;
      showMessage(els.error, "The recording could not be downloaded. Reload the page to try again.");
    }
  }, { signal });

  // ---- A new answer for this job (each poll while processing, and the final one).
  function update(nextJob, nextResult) {
    state.job = { ...nextJob };
    state.result = nextResult;
    state.doc = isDocument(nextResult);
    state.pages = pagesOf(nextResult);
    if (nextJob.image_url && !state.imageUrl) state.imageUrl = nextJob.image_url;
    for (const [file, url] of Object.entries(nextJob.outputs || {})) state.urls[file] ??= url;
    if (nextJob.audio_url) state.urls[SPEECH_WAV] ??= nextJob.audio_url;

    // The words and text: drawn again only when what was read has grown.
    const shape = `${state.pages.length}:${state.pages.map((p) => (p.lines || []).length).join(",")}:${(nextResult.text || "").length}:${(nextResult.unsure || []).length}`;
    if (shape !== state.shape) {
      state.shape = shape;
      state.words = allWords(state.pages);
      state.keyIndex = new Map(state.words.map((w) => [`${w.pageIndex}:${w.lineIndex}:${w.wordInLine}`, w.index]));
      renderTextAll();
      showPageAt(state.page < 0 ? 0 : Math.min(state.page, state.pages.length - 1));
      els.imageTitle.textContent = state.doc ? "Pages" : "Photo";
      if (state.doc) {
        root.querySelector("#job-delete").textContent = "Delete this document";
        root.querySelector("#job-delete-confirm-panel .confirm-text").textContent = "Delete this document, its text and its recording?";
      }
      renderUnsure();
      root.querySelector("#copy-text").disabled = !nextResult.text;
      setUpDownload(root.querySelector("#download-text"), nextResult.text || "", downloadName(state.job.filename, ".txt"), signal);
      state.current = -2; // re-apply the highlight on the new elements
      follow(player.time());
    }
    renderDocumentNote();

    // The recording: its parts so far, and the read-along timings.
    const speech = nextResult.speech || null;
    const done = nextJob.status === "done";
    const timings = (speech?.words || []).map((w) => ({
      index: state.keyIndex.get(`${w.page ?? 0}:${w.line}:${w.word}`),
      start: Number(w.start),
      end: Number(w.end),
    })).filter((t) => t.index !== undefined && Number.isFinite(t.start)).sort((a, b) => a.start - b.start);
    if (timings.length !== state.timings.length) {
      state.timings = timings;
      state.timingOf = new Map(timings.map((t, i) => [t.index, i]));
    }

    const hasText = Boolean(nextResult.text);
    els.player.hidden = !hasText;
    if (!hasText) {
      // Nothing to hear: the note under "Listen" says why (as before).
      root.querySelector("#listen-legacy").append(els.audioNote);
      if (done) setUpAudio(root, null, signal, null, { missing: state.doc ? "no text was found in this document" : "no text was found" });
      return;
    }
    let parts = (speech?.parts || []).map((p) => ({ file: p.file, start: Number(p.start) || 0, seconds: Number(p.seconds) || 0, url: urlOf(p.file) }));
    if (!parts.length && done && (urlOf(SPEECH_WAV) || nextJob.audio_url)) {
      // A recording made in one piece (no parts): speech.wav is the only part.
      parts = [{ file: SPEECH_WAV, start: 0, seconds: Number(speech?.seconds) || 0, url: urlOf(SPEECH_WAV) || nextJob.audio_url }];
    }
    player.setParts(parts, { final: done });

    showMessage(els.audioNote, "");
    if (speech && speech.complete === false && done) {
      showMessage(els.audioNote, `The recording covers the first ${Number(speech.characters || 0).toLocaleString()} characters ` +
        "of the text; the rest is too long to record in one go.");
    } else if (done && !parts.length) {
      showMessage(els.audioNote, "There is no recording of this text.");
    }
    const mp3 = done ? urlOf(speech?.download || SPEECH_MP3) : null;
    els.downloadAudio.hidden = !mp3;
    if (mp3) els.downloadAudio.href = mp3;
    els.prevWord.disabled = !state.timings.length;
    els.nextWord.disabled = !state.timings.length;
    showPlayerState();
  }

  setUpCopy(root.querySelector("#copy-text"), () => state.result?.text || "", els.text, signal);
  update(job, result);

  return {
    update,
    /** How soon to ask again while processing: sooner until the recording has started. */
    pollMs: () => (player.hasParts ? POLL_GROWING_MS : POLL_WAITING_MS),
  };
}
