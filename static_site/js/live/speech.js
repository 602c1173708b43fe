// The live reader's voice: the browser's speech synthesis (instant, nothing downloaded) in the
// text's language, one line at a time from a queue of its own, so that text that left the view
// is dropped rather than said late; or, with "let my screen reader speak", a polite live region
// (and no speech synthesis at all).

import { firstOf, languageOf, utterances } from "./steady.js";

const CHARS_PER_SECOND = 14; // a voice's pace, to move on when a browser never ends an utterance

export class Voice {
  /** `region`: the polite live region; `log(line)`: each line said, to show it. */
  constructor({ region, log }) {
    this.region = region;
    this.log = log;
    this.useRegion = false;
    this.queue = []; // utterances (steady.utterances): { key, keys, text, size, ... }
    this.inOrder = false; // "read everything": the queue in reading order, not biggest first
    this.current = null; // { key, keys, text, missed }
    this.last = null;
    this.timer = 0;
  }

  /** Utterances to say (steady.utterances), the biggest text waiting first (the same text at
   *  another place is another line: a sign repeated along a wall). */
  add(lines) {
    for (const line of lines) if (!this.queue.some((q) => q.key === line.key && sameBox(q.box, line.box))) this.queue.push(line);
    if (lines.length && this.current?.hint) this.cancelCurrent(); // text comes before aiming help
    this.next();
  }

  /** A hint ("Move closer"): said only when nothing else is. */
  hint(text) {
    if (this.current || this.queue.length) return;
    this.say({ key: "", text, hint: true });
  }

  /** Keep only what is still in view (`inView(utterance)`: steady.stillInView); the one being
   *  said stops once it has been out of view two frames running (stale text is the worst thing
   *  a reader can say). */
  keepOnly(inView) {
    this.queue = this.queue.filter(inView);
    const cur = this.current;
    if (!cur || cur.hint || !cur.key) return;
    cur.missed = inView(cur) ? 0 : cur.missed + 1;
    if (cur.missed >= 2) this.cancelCurrent();
  }

  /** Everything in view now, from the top, even what was said already. */
  readAll(lines) {
    this.stop();
    this.queue = utterances(lines);
    this.inOrder = true;
    this.next();
  }

  repeat() {
    if (!this.last) return;
    this.stop();
    this.say({ ...this.last, key: "" });
  }

  stop() {
    this.queue = [];
    this.inOrder = false;
    this.cancelCurrent();
  }

  cancelCurrent() {
    clearTimeout(this.timer);
    this.current = null;
    if (!this.useRegion) window.speechSynthesis?.cancel();
    this.next();
  }

  next() {
    if (this.current) return;
    if (!this.queue.length) { this.inOrder = false; return; }
    const [line] = this.queue.splice(this.inOrder ? 0 : firstOf(this.queue), 1);
    this.say(line);
  }

  say(line) {
    this.current = { ...line, missed: 0 };
    if (!line.hint) {
      this.last = line;
      this.log(line);
    }
    if (this.useRegion) {
      this.announce(line.text);
      this.current = null;
      this.next();
      return;
    }
    const utterance = new SpeechSynthesisUtterance(line.text);
    utterance.lang = languageOf(line.text, document.documentElement.lang === "en" ? navigator.language : document.documentElement.lang);
    const voice = pickVoice(utterance.lang);
    if (voice) utterance.voice = voice;
    const done = () => {
      if (this.current?.utterance !== utterance) return;
      clearTimeout(this.timer);
      this.current = null;
      this.next();
    };
    this.current.utterance = utterance;
    utterance.onend = done;
    utterance.onerror = done;
    // A browser with no voice may never end it: move on after about as long as it would take.
    this.timer = setTimeout(done, 1500 + (1000 * line.text.length) / CHARS_PER_SECOND);
    window.speechSynthesis.speak(utterance);
  }

  announce(text) {
    const p = document.createElement("p");
    p.textContent = text;
    this.region.append(p);
    while (this.region.childElementCount > 6) this.region.firstElementChild.remove();
  }
}

function sameBox(a, b) {
  return !a || !b || a.every((v, i) => v === b[i]);
}

function pickVoice(lang) {
  const voices = window.speechSynthesis?.getVoices?.() || [];
  const base = lang.split("-")[0].toLowerCase();
  return voices.find((v) => v.lang.toLowerCase() === lang.toLowerCase())
    || voices.find((v) => v.lang.toLowerCase().split(/[-_]/)[0] === base) || null;
}
