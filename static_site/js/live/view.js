// #/live: point the camera and hear the text. Everything runs in this page (a Web Worker
// reads the frames); nothing is uploaded unless a signed-in person asks for the full reading.

import * as session from "../session.js";
import { keepFiles } from "../first-steps.js";
import { elementsOf, setBusy, showMessage } from "../dom.js";
import { HINTS, HintGate, hintFor } from "./aim.js";
import { Reader } from "./reader.js";
import { LINE_SCORE, PAPER, PHOTO_WORD_SCORE, readable, Steady, stillInView, utterances, WORD_SCORE } from "./steady.js";
import { Voice } from "./speech.js";
import { registerOffline } from "./offline.js";

const LOG_MAX = 500;

export default {
  name: "live",
  title: "Live reading",
  template: "tpl-live",

  mount(root, { signal, navigate }) {
    const el = elementsOf(root, {
      start: "#live-start", status: "#live-status", error: "#live-error", video: "#live-video",
      hint: "#live-hint", region: "#live-said", log: "#live-log", boxes: "#live-boxes",
      sr: "#live-sr", repeat: "#live-repeat", all: "#live-all", hush: "#live-hush", full: "#live-full",
    });
    root.querySelector("#live-full-wrap").hidden = !session.isSignedIn();
    const voice = new Voice({ region: el.region, log: (line) => addToLog(el.log, line) });
    const steady = new Steady();
    const gate = new HintGate();
    let lines = [];
    let paper = 1; // the last full reading's share of paper (a second look does not measure it)
    const { secondLook, scores } = settings();
    const looks = lookout(secondLook);
    const reader = new Reader({
      video: el.video,
      plan: () => looks.plan(lines, steady),
      onError: (error) => showMessage(el.error, `The reader stopped: ${error.message}`),
      onResult: (result) => {
        paper = result.stats.paper ?? paper;
        // Words as sure as the server's engine wants them: on a page, and in a street scene,
        // where unsure words are mostly texture read as text.
        const wordScore = paper >= PAPER ? scores.wordScore : scores.photoWordScore;
        const read = readable(result.boxes, { lineScore: scores.lineScore, wordScore }).map((line) => ({ ...line, frame: result.t }));
        const waiting = looks.received(result, read);
        lines = [...read, ...waiting];
        said({ result, lines, read, waiting, steady, voice, gate, el });
        Object.assign(root.dataset, { ...reader.counts, lag: Math.round(reader.lags.at(-1)),
          det: Math.round(result.timings.det), rec: Math.round(result.timings.rec), boxes: result.boxes.length });
      },
    });
    const offline = registerOffline();
    let running = false;

    async function start() {
      showMessage(el.error, "");
      setBusy(el.start, true, "Starting…");
      try {
        el.status.textContent = "Getting the reader ready…";
        await Promise.race([offline, new Promise((resolve) => setTimeout(resolve, 3000))]);
        const camera = reader.openCamera();
        await reader.load(tuning());
        await camera;
        reader.start();
        running = true;
        root.dataset.state = "reading";
        el.status.textContent = "Reading. Point the camera at some text and hold it still.";
      } catch (error) {
        reader.stop();
        el.status.textContent = "";
        showMessage(el.error, startError(error));
      } finally {
        setBusy(el.start, false);
        el.start.textContent = running ? "Stop" : "Start";
      }
    }

    function stop() {
      reader.stop();
      voice.stop();
      steady.reset();
      running = false;
      root.dataset.state = "stopped";
      el.start.textContent = "Start";
      el.status.textContent = "Stopped.";
      el.hint.textContent = "";
    }

    el.sr.addEventListener("change", () => { voice.stop(); voice.useRegion = el.sr.checked; }, { signal });
    el.start.addEventListener("click", () => (running ? stop() : start()), { signal });
    el.repeat.addEventListener("click", () => voice.repeat(), { signal });
    el.all.addEventListener("click", () => voice.readAll(lines), { signal });
    el.hush.addEventListener("click", () => voice.stop(), { signal });
    el.full.addEventListener("click", async () => {
      if (!running) return;
      const photo = await reader.snapshot();
      stop();
      keepFiles([photo]); // the dashboard uploads it as a page, as a photo chosen there
      navigate("#/app");
    }, { signal });
    document.addEventListener("keydown", (event) => onKey(event, { stop: () => voice.stop(), repeat: () => voice.repeat(), all: () => voice.readAll(lines) }), { signal });
    signal.addEventListener("abort", () => { reader.close(); voice.stop(); });
  },
};

// The second looks' book-keeping. A full reading reads the biggest text it finds as far as its
// budget goes; the next frames read again at the same places, without detecting (the second
// look: the biggest first, as much as is quick, so that the first line is said soon): the new
// lines, then the boxes the full reading had no time for (read once there, and once more at the
// next look), until all of it has been read twice; then a full reading again. The worker reads
// the frame in full instead when the picture has changed.
function lookout(secondLook) {
  let sent = []; // what the last second look was sent: lines ({ key, box, ... }), boxes not read yet ({ box })
  let next = []; // what the next is to read
  let unread = []; // the boxes the last full reading had no time for
  let lastConfirm = false;
  let plans = 0;
  return {
    plan(lines, steady) {
      const look = lastConfirm ? next : [...lines.filter((line) => !steady.isSaid(line)), ...unread];
      sent = secondLook ? look : [];
      const reread = (plans += 1) % 4 === 0 && !sent.length;
      return { known: knownLines(lines, steady, reread), confirm: sent.length ? sent.map((item) => item.box) : null };
    },
    /** A frame's reading (`read`: its readable lines) -> the lines it had no time for (their
     *  last reading stands). */
    received(result, read) {
      lastConfirm = Boolean(result.confirm);
      if (!lastConfirm) {
        unread = result.boxes.filter((b) => b.later).map((b) => ({ box: b.box }));
        next = [];
        return [];
      }
      const again = result.boxes.filter((b) => !b.known); // as sent, in order
      const waiting = sent.filter((_, i) => again[i]?.later);
      const firstRead = read.filter((line) => sent.some((item, i) => !item.key && again[i]?.box === line.box));
      next = [...waiting, ...firstRead];
      unread = [];
      return waiting.filter((item) => item.key);
    },
  };
}

// The lines said and in view, which a full reading takes as they were where it finds them
// again; but for every fourth frame, which reads them again (a board whose words change in
// place must not be carried forever).
function knownLines(lines, steady, reread) {
  return reread ? [] : lines.filter((line) => steady.isSaid(line)).map(({ box, text, score, size, words }) => ({ box, text, score, size, words }));
}

// One frame's reading: the steady lines said, what left the view dropped, the aiming hint shown
// (and said when it holds), the boxes drawn.
function said({ result, lines, read, waiting, steady, voice, gate, el }) {
  const now = performance.now();
  const toSay = steady.update(read, now, waiting);
  voice.keepOnly(stillInView(lines, result.boxes));
  voice.add(utterances(toSay));
  if (result.confirm) return; // a second look at the same places: the hint and boxes stand
  const key = hintFor(result.boxes, lines, result.stats);
  el.hint.textContent = key ? HINTS[key] : (lines.length ? "Reading" : "");
  el.hint.dataset.hint = key;
  const hint = gate.update(key, now);
  if (hint) voice.hint(HINTS[hint]);
  drawBoxes(el.boxes, result);
}

function onKey(event, actions) {
  if (event.ctrlKey || event.metaKey || event.altKey || event.target.closest?.("input, textarea, select")) return;
  const action = { Escape: actions.stop, r: actions.repeat, R: actions.repeat, a: actions.all, A: actions.all }[event.key];
  if (!action) return;
  event.preventDefault();
  action();
}

// The detector's input side, the recogniser's widths per frame and per second look, the
// scores a line and a word need and the second look, when a benchmark sets them (localStorage "pagevoice.live.tuning",
// JSON); else the defaults.
function tuning() {
  try { return JSON.parse(localStorage.getItem("pagevoice.live.tuning")) || {}; } catch { return {}; }
}

function settings() {
  const set = tuning();
  return { secondLook: set.confirm !== false,
    scores: { lineScore: set.lineScore ?? LINE_SCORE, wordScore: set.wordScore ?? WORD_SCORE,
      photoWordScore: set.photoWordScore ?? set.wordScore ?? PHOTO_WORD_SCORE } };
}

function startError(error) {
  if (error?.name === "NotAllowedError") return "PageVoice may not use the camera. Allow it in your browser's settings for this site, then press Start.";
  if (error?.name === "NotFoundError" || error?.name === "OverconstrainedError") return "No camera was found on this device.";
  if (!navigator.mediaDevices?.getUserMedia) return "This browser cannot show the camera to a page. Try another browser.";
  return `The reader could not start: ${error?.message || error}`;
}

function addToLog(log, line) {
  const item = document.createElement("li");
  item.textContent = line.text;
  if (line.box) item.dataset.box = line.box.map((v) => Math.round(v)).join(",");
  if (line.words) item.dataset.words = JSON.stringify(line.words.map((w) => [w.text, ...w.box.map((v) => Math.round(v))]));
  item.dataset.at = String(Math.round(performance.now()));
  if (line.frame !== undefined) item.dataset.frame = String(Math.round(line.frame)); // when its frame was taken
  log.prepend(item);
  while (log.childElementCount > LOG_MAX) log.lastElementChild.remove();
}

// The boxes found, over the camera picture (for sighted helpers; hidden from screen readers).
function drawBoxes(layer, { boxes, stats }) {
  layer.replaceChildren(...boxes.map(({ box: [x0, y0, x1, y1], text }) => {
    const div = document.createElement("div");
    div.className = text ? "live-box is-read" : "live-box";
    Object.assign(div.style, {
      left: `${(100 * x0) / stats.width}%`, top: `${(100 * y0) / stats.height}%`,
      width: `${(100 * (x1 - x0)) / stats.width}%`, height: `${(100 * (y1 - y0)) / stats.height}%`,
    });
    return div;
  }));
}
