// A speech result's transcript (CONTRACTS section 9) in the page: paragraphs of word buttons
// that light up while they are heard (select one to listen from there), the chapters of a long
// recording to jump to, and steps by sentence and chapter through the recording itself. With
// several speakers (CONTRACTS section 17) each turn starts with its speaker's heading, and
// steps go by turn too. Drawn again as a long recording's windows are joined (`draw` keeps the
// player and the listeners).

import { announce, rovingKeys, scrollWithin } from "../dom.js";
import { timingAt } from "./model.js";
import { markAt, stepTarget } from "./steps.js";
import { clock } from "./subtitles.js";
import { displayName, hasSpeakers } from "./speakers.js";
import { colourClass, inlineSpeaker, renameIn, turnHeading } from "./speaker-turns.js";

// A word stays lit through a short pause after it, so the highlight does not flicker between words.
const HOLD_SECONDS = 0.6;
const SENTENCE_END = /[.!?…。！？؟।][)"'»”’\]]*$/u;

export function wordList(result) {
  return (result.segments || []).flatMap((s) => (s.words || []).filter((w) => String(w.text || "").trim()));
}

/**
 * The segments grouped in paragraphs: where a segment says it starts one, else one per segment;
 * a change of speaker (the segments' labels) always starts one.
 */
export function paragraphs(segments) {
  const list = (segments || []).filter((s) => (s.words || []).some((w) => String(w.text || "").trim())
    || String(s.text || "").trim());
  const marked = list.some((s) => s.paragraph === true);
  const out = [];
  for (const segment of list) {
    const turn = out.length && out.at(-1).at(-1).speaker !== segment.speaker;
    if (!out.length || !marked || segment.paragraph === true || turn) out.push([]);
    out.at(-1).push(segment);
  }
  return out;
}

/**
 * The sentences' marks [{start, index}]: `index` the first word heard at or after each of
 * result.sentences' starts, or (a result without them) each word after one ending a sentence.
 */
export function sentenceMarks(result, timings) {
  const marks = [];
  const add = (start, index) => {
    if (index >= 0 && index < timings.length && (!marks.length || index > marks.at(-1).index)) {
      marks.push({ start: timings[index].start, index });
    }
  };
  if (Array.isArray(result.sentences) && result.sentences.length) {
    for (const sentence of result.sentences) {
      const start = Number(sentence?.start);
      if (!Number.isFinite(start)) continue;
      const at = timingAt(timings, start - 0.01);
      add(start, at >= 0 && timings[at].start >= start - 0.01 ? at : at + 1);
    }
    return marks;
  }
  let ended = true;
  timings.forEach((t, i) => {
    if (ended) add(t.start, i);
    ended = SENTENCE_END.test(t.text);
  });
  return marks;
}

/** A long recording's chapters [{title, start, index}], `index` the first word heard in each. */
export function chapterMarks(result, timings) {
  const out = [];
  for (const chapter of result.chapters || []) {
    const start = Number(chapter?.start);
    if (!Number.isFinite(start)) continue;
    const at = timingAt(timings, start + 0.01);
    const index = at >= 0 && timings[at].start >= start - 0.01 ? at : at + 1;
    out.push({ title: String(chapter.title || "").trim() || `At ${clock(start)}`, start, index });
  }
  return out;
}

/** Mounts the transcript on the speech panel; `draw(result)` shows (or shows again) a result. */
export function mountTranscript(root, audio, signal) {
  const els = {
    transcript: root.querySelector("#transcript"),
    hint: root.querySelector("#transcript-hint"),
    outline: root.querySelector("#speech-outline"),
    chapters: root.querySelector("#speech-chapters"),
    steps: root.querySelector("#speech-steps"),
    prevChapter: root.querySelector("#speech-prev-chapter"),
    nextChapter: root.querySelector("#speech-next-chapter"),
    prevTurn: root.querySelector("#speech-prev-turn"),
    nextTurn: root.querySelector("#speech-next-turn"),
  };
  const state = {
    buttons: [], timings: [], sentences: [], chapters: [], turns: [], current: -1, chapter: -1, key: "", names: {},
  };
  const follow = follower(els, state, audio, signal);
  let drawn = null; // the listeners of the words drawn last, removed when they are drawn again

  wireSteps(root, state, { audio, follow, signal });
  els.chapters.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-chapter]");
    const chapter = button && state.chapters[Number(button.dataset.chapter)];
    if (chapter) follow.playAt(chapter.start, chapter.index);
  }, { signal });

  const setStop = (button) => {
    for (const b of state.buttons) b.tabIndex = b === button ? 0 : -1;
  };

  /** Shows `result`; `names` ({id: name}) what its speakers are called now. */
  function draw(result, names = {}) {
    state.names = names;
    const key = `${wordList(result).length}:${(result.chapters || []).length}:${(result.sentences || []).length}:${speakerKey(result)}`;
    if (key === state.key) return state.buttons;
    state.key = key;
    drawn?.abort();
    drawn = new AbortController();
    const listen = { signal: AbortSignal.any([signal, drawn.signal]) };
    const stop = state.buttons.findIndex((b) => b.tabIndex === 0);
    ({ buttons: state.buttons, turns: state.turns } = renderWords(els.transcript, result, names));
    state.timings = state.buttons.map((b) => ({ start: Number(b.dataset.start), end: Number(b.dataset.end), text: b.textContent }));
    state.sentences = sentenceMarks(result, state.timings);
    state.chapters = chapterMarks(result, state.timings);
    state.current = state.chapter = -1;
    if (stop > 0 && state.buttons[stop]) setStop(state.buttons[stop]);
    for (const button of state.buttons) {
      button.addEventListener("click", () => {
        setStop(button);
        follow.playAt(Number(button.dataset.start), Number(button.dataset.index));
      }, listen);
      button.addEventListener("keydown", (event) => rovingKeys(state.buttons, button, event, setStop), listen);
    }
    drawChapters(els.chapters, state.chapters);
    els.outline.hidden = !state.chapters.length;
    els.steps.hidden = !state.buttons.length;
    els.prevChapter.hidden = els.nextChapter.hidden = state.chapters.length < 2;
    els.prevTurn.hidden = els.nextTurn.hidden = state.turns.length < 2;
    els.hint.hidden = !state.buttons.length;
    follow.sync();
    return state.buttons;
  }

  /** Speaker `id` is now called `label`, everywhere the transcript names them. */
  function rename(id, names) {
    state.names = names;
    renameIn(els.transcript, id, displayName(id, names));
  }

  return { draw, rename };
}

/** What of the speakers a drawing shows: each segment's label, the speakers listed. */
const speakerKey = (result) => (hasSpeakers(result)
  ? `${result.speakers.length}/${(result.segments || []).map((s) => s.speaker ?? "").join(",")}` : "");

/** The steps' buttons: by sentence, chapter and turn (what each step reaches is said). */
function wireSteps(root, state, { audio, follow, signal }) {
  const step = (marks, dir) => {
    const target = stepTarget(marks, audio.currentTime, dir);
    if (target) follow.playAt(target.start, target.index);
    return target;
  };
  const chapterStep = (dir) => {
    const target = step(state.chapters, dir);
    if (target) announce(`Chapter ${state.chapters.indexOf(target) + 1}: ${target.title}`);
  };
  const turnStep = (dir) => {
    const target = step(state.turns, dir);
    if (target) announce(`${displayName(target.speaker, state.names)}, ${clock(target.start)}`);
  };
  const on = (id, fn) => root.querySelector(id).addEventListener("click", fn, { signal });
  on("#speech-prev-sentence", () => step(state.sentences, -1));
  on("#speech-next-sentence", () => step(state.sentences, 1));
  on("#speech-prev-chapter", () => chapterStep(-1));
  on("#speech-next-chapter", () => chapterStep(1));
  on("#speech-prev-turn", () => turnStep(-1));
  on("#speech-next-turn", () => turnStep(1));
}

/** Keeps the word and the chapter being heard lit as the recording plays; `playAt` moves it. */
function follower(els, state, audio, signal) {
  let frame = 0;
  const at = (t) => {
    // The last word that has started, while it is heard (or just after).
    const found = timingAt(state.timings, t);
    return found >= 0 && t > state.timings[found].end + HOLD_SECONDS ? -1 : found;
  };
  const light = (index) => {
    if (index === state.current) return;
    const old = state.buttons[state.current];
    old?.classList.remove("is-current");
    old?.removeAttribute("aria-current");
    state.current = index;
    const b = state.buttons[index];
    if (!b) return;
    b.classList.add("is-current");
    b.setAttribute("aria-current", "true");
    scrollWithin(els.transcript, b);
  };
  const markChapter = (t) => {
    const i = markAt(state.chapters, t);
    if (i === state.chapter) return;
    for (const b of els.chapters.querySelectorAll("[aria-current]")) {
      b.removeAttribute("aria-current");
      b.classList.remove("is-current");
    }
    state.chapter = i;
    const button = els.chapters.querySelector(`button[data-chapter="${i}"]`);
    button?.setAttribute("aria-current", "location");
    button?.classList.add("is-current");
  };
  const sync = () => {
    const playing = audio.currentTime > 0 || !audio.paused;
    light(playing ? at(audio.currentTime) : -1);
    markChapter(playing ? audio.currentTime : -1);
  };
  const tick = () => {
    sync();
    frame = audio.paused || audio.ended ? 0 : requestAnimationFrame(tick);
  };
  audio.addEventListener("play", () => { if (!frame) frame = requestAnimationFrame(tick); }, { signal });
  for (const type of ["timeupdate", "seeked", "pause"]) audio.addEventListener(type, sync, { signal });
  audio.addEventListener("ended", () => light(-1), { signal });
  signal.addEventListener("abort", () => cancelAnimationFrame(frame), { once: true });

  function playAt(start, index) {
    try {
      audio.currentTime = start;
    } catch { /* not seekable yet: play from where it is */ }
    light(index);
    markChapter(start);
    const played = audio.play();
    if (played?.catch) played.catch(() => { /* blocked or no source: the place is still shown */ });
  }
  return { sync, playAt };
}

/**
 * One paragraph per run of segments (its time first), one button per word, a heading before
 * each speaker's turn when there are speakers; returns the buttons and the turns' marks
 * [{start, index, speaker}].
 */
function renderWords(container, result, names) {
  container.replaceChildren();
  container.classList.remove("is-empty");
  const buttons = [];
  const turns = [];
  // With speakers: their names and colours, and whose words were drawn last (a word another
  // speaker said is tagged with their name, and so is the first word after it).
  const who = hasSpeakers(result) ? { names, speakers: result.speakers, voice: undefined } : null;
  let speaker;
  for (const group of paragraphs(result.segments)) {
    const p = document.createElement("p");
    p.className = "transcript-segment";
    const time = document.createElement("span");
    time.className = "segment-time";
    time.textContent = clock(group[0].start);
    p.append(time, " ");
    const turn = who && group[0].speaker !== undefined && group[0].speaker !== speaker;
    if (turn) {
      container.append(turnHeading(group[0].speaker, group[0].start, who));
      turns.push({ start: Number(group[0].start), index: buttons.length, speaker: group[0].speaker });
    }
    speaker = group[0].speaker;
    if (turn) who.voice = speaker;
    if (who && speaker !== undefined) p.classList.add("is-turn", colourClass(speaker, who.speakers));
    for (const segment of group) addSegment(p, segment, buttons, who);
    container.append(p);
    // The turn's mark is its first word's start (the word lit), its segment's when it has none.
    if (turn && buttons[turns.at(-1).index]) turns.at(-1).start = Number(buttons[turns.at(-1).index].dataset.start);
    else if (turn) turns.at(-1).index = undefined;
  }
  if (!buttons.length && String(result.text || "").trim() && !container.children.length) {
    container.textContent = String(result.text).trim();
  }
  return { buttons, turns };
}

/** A segment's words as buttons in paragraph `p` (its text as it is when it has no word timings). */
function addSegment(p, segment, buttons, who) {
  const words = (segment.words || []).filter((w) => String(w.text || "").trim());
  if (p.childNodes.length > 2) p.append(" ");
  if (!words.length) p.append(String(segment.text || "").trim());
  words.forEach((word, i) => {
    if (i) p.append(" ");
    if (who && word.speaker !== undefined && word.speaker !== who.voice) {
      who.voice = word.speaker;
      p.append(inlineSpeaker(word.speaker, who), " ");
    }
    const button = document.createElement("button");
    button.type = "button";
    button.className = "t-word";
    button.dataset.testid = "transcript-word";
    button.dataset.start = String(word.start);
    button.dataset.end = String(word.end);
    button.dataset.index = String(buttons.length);
    if (who && word.speaker !== undefined) button.dataset.speaker = word.speaker;
    if (typeof word.confidence === "number") button.dataset.confidence = String(word.confidence);
    button.textContent = String(word.text).trim();
    button.setAttribute("aria-label", `${button.textContent}, at ${clock(word.start)}`);
    button.tabIndex = buttons.length ? -1 : 0;
    p.append(button);
    buttons.push(button);
  });
}

function drawChapters(list, chapters) {
  list.replaceChildren(...chapters.map((chapter, i) => {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "chapter-button";
    button.dataset.chapter = String(i);
    button.dataset.testid = "speech-chapter";
    const title = document.createElement("span");
    title.textContent = chapter.title;
    const time = document.createElement("span");
    time.className = "chapter-time";
    time.textContent = clock(chapter.start);
    button.append(title, time);
    li.append(button);
    return li;
  }));
}
