import { test } from "node:test";
import assert from "node:assert/strict";
import { progressLabel, progressText, toContinue } from "../../static_site/js/views/dashboard/listening.js";

const job = (id, t, at, seconds = 380) => ({ job_id: id, filename: `${id}.pdf`, seconds, position: { t, at } });

test("the jobs with a saved place, the most recently heard first, the finished and the unplaced left out", () => {
  const jobs = [
    job("old", 30, "2026-11-20T10:00:00Z"),
    { job_id: "none", filename: "none.jpg", seconds: 20 },
    job("new", 127, "2026-11-24T10:00:00Z"),
    job("finished", 379, "2026-11-24T11:00:00Z"),
    job("short", 1, "2026-11-23T10:00:00Z", 2.07),
    job("short-finished", 2.0, "2026-11-24T11:30:00Z", 2.07),
    job("unknown-length", 12, "2026-11-22T10:00:00Z", undefined),
    { job_id: "bad", position: { t: "x", at: "2026-11-24T12:00:00Z" } },
  ];
  assert.deepEqual(toContinue(jobs).map((j) => j.job_id), ["new", "short", "unknown-length", "old"]);
  assert.deepEqual(toContinue(jobs, 1).map((j) => j.job_id), ["new"]);
  assert.deepEqual(toContinue(undefined), []);
});

test("progress is said as the player says time", () => {
  assert.equal(progressText(127.4, 380), "2:07 of 6:20");
  assert.equal(progressText(12, undefined), "At 0:12");
  assert.equal(progressLabel("letter.pdf", 127.4, 380), "letter.pdf: heard 2 minutes 7 seconds of 6 minutes 20 seconds");
});
