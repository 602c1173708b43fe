// Steps by sentence, paragraph and chapter, back and forward: a row of buttons under the word
// steps, keys (recording.js's shortcuts, switched off with them), and the Media Session's
// previous / next (media-session.js). A step lights the first word of what it reaches; paused,
// what was reached is said (as a word step says its word). The words per minute heard at the
// chosen speed are shown beside the speed.

import { announce, iconButton } from "../dom.js";
import {
  BACK_GRACE_S, chapterMarks, paragraphMarks, paragraphStarts, sentenceMarks, sentenceText, stepTarget, wordsPerMinute,
} from "./steps.js";
import { chapterList } from "./chapters.js";
import { plural } from "./messages.js";

export const UNITS = ["sentence", "paragraph", "chapter"];

// The keys of each step (event.key), back then forward: in the "Keyboard shortcuts" list too.
export const STEP_KEYS = { sentence: [",", "."], paragraph: ["[", "]"], chapter: ["{", "}"] };

/** `readAlong` moves playback and the lit word (goTo, timings); `player` is the page's player. */
export function createSteps(root, { signal, player, readAlong, addKeys }) {
  const els = build(root);
  let marks = { sentence: [], paragraph: [], chapter: [] };
  let key = "";
  let view = null;
  let chapters = [];

  for (const unit of UNITS) {
    els[unit].prev.addEventListener("click", () => step(unit, -1), { signal });
    els[unit].next.addEventListener("click", () => step(unit, 1), { signal });
  }
  addKeys(Object.fromEntries(UNITS.flatMap((unit) => STEP_KEYS[unit].map((k, i) => [k, () => step(unit, i ? 1 : -1)]))));
  root.querySelector("#player-speed").addEventListener("change", showPace, { signal });

  /** What is shown changed (page.js's `view`): the marks again when the timings or structure did. */
  function show(next) {
    view = next;
    const timings = readAlong.timings();
    const sentences = view.result?.speech?.sentences;
    const nextKey = `${timings.list.length}:${view.shape}:${sentences?.length ?? -1}:${JSON.stringify(view.result?.chapters?.map((c) => c.start) ?? [])}`;
    if (nextKey !== key) {
      key = nextKey;
      const starts = paragraphStarts({ blocksByPage: view.blocks, pages: view.pages, indexOf: view.indexOf });
      marks = {
        sentence: sentenceMarks({ sentences, timings, words: view.words, indexOf: view.indexOf, paragraphStarts: starts }),
        paragraph: paragraphMarks(starts, timings),
        chapter: chapterMarks({ chapters: view.result?.chapters, blocksByPage: view.blocks, indexOf: view.indexOf, timings }),
      };
      chapters = chapterList(view.result?.chapters, view.blocks, view.indexOf);
    }
    els.row.hidden = !marks.sentence.length;
    els.chapter.group.hidden = marks.chapter.length < 2;
    showPace();
  }

  /** A step of `unit` back (-1) or forward (1) from where playback is. */
  function step(unit, dir) {
    const list = marks[unit];
    if (!list.length) return;
    const target = stepTarget(list, player.time(), dir, BACK_GRACE_S * (player.rate || 1));
    if (!target) {
      announce(`This is the ${dir > 0 ? "last" : "first"} ${unit}.`);
      return;
    }
    readAlong.goTo(target);
    if (!player.playing) announce(reached(unit, list.indexOf(target)));
  }

  // Said when paused: the sentence reached, or the chapter's title.
  function reached(unit, i) {
    if (unit === "chapter") {
      const mark = marks.chapter[i];
      return chapters.find((c) => c.word === mark.index || c.start === mark.start)?.title || `Chapter ${i + 1}`;
    }
    const sentence = marks.sentence.findIndex((m) => m.index === marks[unit][i].index);
    return sentence >= 0 ? sentenceText(marks.sentence, sentence, readAlong.timings(), view.words) : "";
  }

  function showPace() {
    const wpm = wordsPerMinute(readAlong.timings().list, player.rate);
    els.wpm.textContent = wpm ? `${plural(wpm, "word")} a minute` : "";
    els.wpm.hidden = !wpm;
  }

  return { show, step, marks: (unit) => marks[unit], chapters: () => chapters };
}

function build(root) {
  const row = document.createElement("div");
  row.className = "player-row player-steps";
  row.id = "player-steps";
  row.hidden = true;
  const groups = Object.fromEntries(UNITS.map((unit) => [unit, stepGroup(unit)]));
  row.append(...UNITS.map((unit) => groups[unit].group));
  root.querySelector("#player .player-words").after(row);
  const wpm = document.createElement("span");
  wpm.className = "field-hint player-wpm";
  wpm.id = "player-wpm";
  wpm.dataset.testid = "player-wpm";
  wpm.hidden = true;
  const speed = root.querySelector("#player-speed");
  speed.after(wpm);
  speed.setAttribute("aria-describedby", "player-wpm");
  listKeys(root.querySelector("#shortcuts .shortcut-list"));
  return { row, wpm, ...groups };
}

// The steps' keys in the "Keyboard shortcuts" list, after the word steps'.
function listKeys(list) {
  if (!list) return;
  for (const unit of UNITS) {
    const dt = document.createElement("dt");
    STEP_KEYS[unit].forEach((k, i) => {
      if (i) dt.append(" ");
      dt.appendChild(document.createElement("kbd")).textContent = k;
    });
    const dd = document.createElement("dd");
    dd.textContent = `Previous or next ${unit}`;
    list.append(dt, dd);
  }
}

// [←] Sentence [→]: the group is named by its word, each button by what it does.
function stepGroup(unit) {
  const name = unit[0].toUpperCase() + unit.slice(1);
  const group = document.createElement("div");
  group.setAttribute("role", "group");
  group.id = `steps-${unit}`;
  group.setAttribute("aria-labelledby", `steps-${unit}-label`);
  group.className = "step-group";
  const label = document.createElement("span");
  label.id = `steps-${unit}-label`;
  label.textContent = name;
  const prev = iconButton(`prev-${unit}`, "←", `Previous ${unit}`, "button button-small button-quiet");
  const next = iconButton(`next-${unit}`, "→", `Next ${unit}`, "button button-small button-quiet");
  group.append(prev, label, next);
  return { group, prev, next };
}
