import { test } from "node:test";
import assert from "node:assert/strict";

import {
  createWake, FOLLOW, followRecording, followsAfterDone, queuedOf, recordingGrows, wanted,
} from "../../static_site/js/result/recording-follow.js";

// A finished book's answer (CONTRACTS section 15): its recording made where it is listened to.
const book = (recorded, queued, { total = 12, status = "done" } = {}) => ({
  status,
  result: { speech: { book: true, complete: recorded >= total, sections: { total, recorded, queued }, parts: [] } },
});

test("a finished book whose recording is not whole is followed; anything else is not", () => {
  assert.equal(followsAfterDone(book(3, 1)), true);
  assert.equal(followsAfterDone(book(12, 0)), false); // whole
  assert.equal(followsAfterDone(book(3, 1, { status: "processing" })), false); // (followed as it is made)
  // A short document's recording cut short is not a book's: nothing more will come.
  assert.equal(recordingGrows({ speech: { complete: false, characters: 100 } }), false);
  assert.equal(followsAfterDone({ status: "done", result: null }), false);
  assert.equal(queuedOf(book(3, 4)), 4);
  assert.equal(queuedOf({ status: "done", result: { speech: { book: true, complete: false } } }), 0);
});

test("asked again only while the page is seen and something is queued or the listener waits", () => {
  assert.equal(wanted({ job: book(3, 2), waiting: false, visible: true }), true);
  assert.equal(wanted({ job: book(3, 0), waiting: true, visible: true }), true);
  assert.equal(wanted({ job: book(3, 0), waiting: false, visible: true }), false);
  assert.equal(wanted({ job: book(3, 2), waiting: true, visible: false }), false);
  assert.equal(wanted({ job: book(12, 0), waiting: true, visible: true }), false);
});

/** pause(ms) on a fake clock: each pause listed; `wakes` the pauses (by number) woken early. */
function pauses({ wakes = new Set() } = {}) {
  const asked = [];
  return {
    asked,
    pause: async (ms) => {
      asked.push(ms);
      if (wakes.has(asked.length)) return true;
      if (ms === Infinity) throw new Error("waits for a wake nobody sends");
      return false;
    },
  };
}

test("queued sections are asked for with back-off from 2 s to 10 s, each answer shown, until whole", async () => {
  const answers = [book(3, 5), book(4, 5), book(5, 5), book(6, 5), book(7, 5), book(8, 4), book(12, 0)];
  const shown = [];
  const p = pauses();
  const last = await followRecording({
    job: book(2, 5), ask: async () => answers.shift(), show: (j) => shown.push(j.result.speech.sections.recorded),
    isWanted: (j) => wanted({ job: j, waiting: false, visible: true }), pause: p.pause,
  });
  assert.deepEqual(shown, [3, 4, 5, 6, 7, 8, 12]);
  assert.deepEqual(p.asked, [2000, 3000, 4500, 6750, 10_000, 10_000, 10_000]);
  assert.equal(last.result.speech.complete, true);
  assert.equal(FOLLOW.maxMs, 10_000);
});

test("nothing queued and nobody waiting: it waits to be woken, then asks at once and starts the back-off again", async () => {
  let waiting = false;
  const answers = [book(3, 0), book(3, 2), book(5, 0), book(12, 0)];
  const asked = [];
  const pause = async (ms) => {
    asked.push(ms);
    if (ms === Infinity) { // the listener moves to a place not recorded: woken
      waiting = asked.length < 3;
      return true;
    }
    return false;
  };
  await followRecording({
    job: book(3, 0), ask: async () => answers.shift(),
    show: (j) => { if (j.result.speech.sections.recorded === 5) waiting = false; }, // (its place played)
    isWanted: (j) => wanted({ job: j, waiting, visible: true }), pause,
  });
  // Woken (asks at once), then 2 s (waiting, then queued), then not wanted: woken again, asks.
  assert.deepEqual(asked, [Infinity, 2000, 3000, Infinity]);
});

test("dropped answers are asked again with back-off; past the retries it waits to be woken; a refusal ends it", async () => {
  const network = Object.assign(new Error("network"), { status: 0 });
  const answers = [network, network, book(12, 0)];
  const p = pauses();
  await followRecording({
    job: book(2, 3), show: () => {}, pause: p.pause,
    ask: async () => { const a = answers.shift(); if (a instanceof Error) throw a; return a; },
    isWanted: (j) => wanted({ job: j, waiting: false, visible: true }),
  });
  assert.deepEqual(p.asked, [2000, 3000, 4500]);

  const gone = Object.assign(new Error("not found"), { status: 404 });
  await assert.rejects(followRecording({
    job: book(2, 3), show: () => {}, pause: async () => false, isWanted: () => true, ask: async () => { throw gone; },
  }), (e) => e.status === 404);

  const q = pauses({ wakes: new Set([5]) });
  const more = [network, network, network, network, book(12, 0)];
  await followRecording({
    job: book(2, 3), show: () => {}, pause: q.pause, isWanted: () => true,
    ask: async () => { const a = more.shift(); if (a instanceof Error) throw a; return a; },
  });
  assert.deepEqual(q.asked, [2000, 3000, 4500, 6750, Infinity]);
});

test("the pause ends with its time, at a wake, at once after a wake nobody waited for, and rejects when cancelled", async () => {
  const timers = [];
  const controller = new AbortController();
  const wake = createWake({ signal: controller.signal, timer: (ms, fn) => { timers.push({ ms, fn, on: true }); return () => { timers.at(-1).on = false; }; } });
  const timed = wake.pause(2000);
  timers[0].fn();
  assert.equal(await timed, false);
  const woken = wake.pause(5000);
  wake.wake();
  assert.equal(await woken, true);
  assert.equal(timers[1].on, false); // its timer cancelled
  wake.wake(); // nobody waiting: the next pause ends at once
  assert.equal(await wake.pause(Infinity), true);
  const forever = wake.pause(Infinity);
  controller.abort();
  await assert.rejects(forever);
  await assert.rejects(wake.pause(10));
});

test("a soft wake (a place saved while playing) ends only a pause without end", async () => {
  const timers = [];
  const wake = createWake({ timer: (ms, fn) => { timers.push(fn); return () => {}; } });
  const timed = wake.pause(2000);
  wake.wake({ soft: true }); // asked for anyway: the back-off goes on
  timers[0]();
  assert.equal(await timed, false);
  const endless = wake.pause(Infinity);
  wake.wake({ soft: true });
  assert.equal(await endless, true);
  wake.wake({ soft: true }); // nobody waiting: it ends the next pause only if that one has no end
  const next = wake.pause(1000);
  timers[1]();
  assert.equal(await next, false);
  wake.wake({ soft: true });
  wake.wake(); // a hard one is kept over a soft one
  assert.equal(await wake.pause(1000), true);
});
