import { test } from "node:test";
import assert from "node:assert/strict";

import { createMover, failedText, loadingText, windowText } from "../../static_site/js/result/book-moves.js";

test("the window's status names the pages shown, coming, or that could not come", () => {
  assert.equal(windowText({ from: 0, to: 17, total: 1000 }, false), "Pages 1–17 of 1,000 shown.");
  assert.equal(windowText({ from: 499, to: 504, total: 1200 }, true), "Sections 500–504 of 1,200 shown.");
  assert.equal(windowText({ from: 0, to: 0, total: 90 }, false), "No pages read yet."); // (a book being made)
  assert.equal(windowText({ from: 0, to: 0, total: 261 }, true), "No sections read yet.");
  assert.equal(loadingText({ from: 639, to: 656 }, false), "Loading pages 640–656…");
  assert.equal(loadingText({ from: 1499, to: 1504 }, true), "Loading sections 1,500–1,504…");
  assert.equal(failedText({ from: 639, to: 656 }, false),
    "Pages 640–656 could not be loaded. Check the connection and try again.");
});

/** A mover whose moves end when the test says (`answer(page)`, `fail(page)`), on a fake clock. */
function harness({ delay = 400 } = {}) {
  const asked = new Map(); // page -> {resolve, reject}
  const states = [];
  const results = [];
  const timers = [];
  const mover = createMover({
    move: (page) => new Promise((resolve, reject) => asked.set(page, { resolve, reject })),
    onResult: (job) => results.push(job),
    onState: (state) => states.push(state),
    delay,
    later: (fn, ms) => { timers.push({ fn, ms, live: true }); return timers.length - 1; },
    cancel: (id) => { if (timers[id]) timers[id].live = false; },
  });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  return {
    mover, states, results, asked,
    last: () => states.at(-1),
    tick: () => { for (const t of timers) if (t.live) { t.live = false; t.fn(); } },
    answer: async (page) => { await settle(); asked.get(page).resolve({ page }); await settle(); },
    fail: async (page) => { await settle(); asked.get(page).reject(new Error("offline")); await settle(); },
    settle,
  };
}

test("a quick move is busy at once and says nothing more before its pages are shown", async () => {
  const h = harness();
  const then = [];
  const moved = h.mover.moveTo(640, () => then.push(640));
  assert.deepEqual(h.last(), { busy: true, loading: null, failed: null });
  assert.ok(h.mover.busy());
  await h.answer(640);
  await moved;
  assert.deepEqual(h.results, [{ page: 640 }]);
  assert.deepEqual(then, [640]);
  assert.deepEqual(h.last(), { busy: false, loading: null, failed: null });
  assert.ok(!h.mover.busy());
  assert.ok(!h.states.some((s) => s.loading !== null)); // (its timer went with it)
});

test("a slow move names its pages, and the next move chained after it its own at once", async () => {
  const h = harness();
  h.mover.moveTo(640);
  await h.settle();
  h.tick(); // 400 ms
  assert.deepEqual(h.last(), { busy: true, loading: 640, failed: null });
  const second = h.mover.moveTo(652); // "Later pages" pressed meanwhile: waits for the first
  await h.answer(640);
  assert.equal(h.last().loading, 652);
  assert.ok(h.last().busy && h.mover.busy());
  await h.answer(652);
  await second;
  assert.deepEqual(h.last(), { busy: false, loading: null, failed: null });
  assert.deepEqual(h.results, [{ page: 640 }, { page: 652 }]);
});

test("a failed move says so until it is tried again, and the try again is the same move", async () => {
  const h = harness();
  const then = [];
  const moved = h.mover.moveTo(640, () => then.push("focus 640"));
  await h.settle();
  h.tick();
  await h.fail(640);
  await moved;
  const { busy, loading, failed } = h.last();
  assert.deepEqual({ busy, loading, page: failed.page }, { busy: false, loading: null, page: 640 });
  assert.deepEqual(h.results, []);
  assert.ok(failed.at > 0);
  h.asked.clear();
  const again = failed.retry();
  assert.equal(h.last().busy, true);
  assert.equal(h.last().failed, failed); // still said until the pages are said to be loading
  await h.settle();
  h.tick();
  assert.deepEqual(h.last(), { busy: true, loading: 640, failed: null });
  await h.answer(640);
  await again;
  assert.deepEqual(then, ["focus 640"]);
  assert.deepEqual(h.last(), { busy: false, loading: null, failed: null });
});

test("a move tried again that fails at once goes on saying the failure, not the window in between", async () => {
  const h = harness();
  h.mover.moveTo(640);
  await h.fail(640);
  const count = h.states.length;
  h.last().failed.retry();
  await h.fail(640);
  const since = h.states.slice(count);
  assert.ok(since.every((s) => s.failed?.page === 640 && s.loading === null), JSON.stringify(since));
  assert.equal(h.last().busy, false);
});

test("a failure followed by a move that succeeds leaves no failure said", async () => {
  const h = harness();
  h.mover.moveTo(10);
  const later = h.mover.moveTo(30);
  await h.fail(10);
  await h.answer(30);
  await later;
  assert.deepEqual(h.last(), { busy: false, loading: null, failed: null });
});

test("moves of a view that was left end without a word", async () => {
  const controller = new AbortController();
  const states = [];
  let reject;
  const mover = createMover({
    move: () => new Promise((_, no) => { reject = no; }), onResult: () => {}, onState: (s) => states.push(s),
    signal: controller.signal, later: () => 0, cancel: () => {},
  });
  const moved = mover.moveTo(5);
  await new Promise((resolve) => setTimeout(resolve, 0));
  controller.abort();
  reject(new DOMException("aborted", "AbortError"));
  await moved;
  assert.equal(states.length, 1); // busy, then nothing: the view is gone
});
