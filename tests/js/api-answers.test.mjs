import { test } from "node:test";
import assert from "node:assert/strict";

import {
  assembleResult, failure, genericMessage, parseJson, parseRetryAfter, SESSION_ENDED_MESSAGE,
} from "../../static_site/js/api-answers.js";

test("a generic sentence for each kind of HTTP failure", () => {
  assert.equal(genericMessage(401), SESSION_ENDED_MESSAGE);
  assert.equal(genericMessage(404), "That was not found. It may have been deleted.");
  assert.equal(genericMessage(503), "PageVoice had a problem (error 503). Please try again in a moment.");
  assert.equal(genericMessage(418), "Something went wrong (error 418). Please try again.");
});

test("Retry-After in seconds, as a date, or from the body", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(parseRetryAfter("2.1", null, now), 3);
  assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", null, now), 30);
  assert.equal(parseRetryAfter(null, { retry_after: 7 }, now), 7);
  assert.equal(parseRetryAfter("soon", null, now), null);
  assert.equal(parseRetryAfter(null, {}, now), null);
});

test("parseJson gives null for empty or broken text", () => {
  assert.deepEqual(parseJson('{"a": 1}'), { a: 1 });
  assert.equal(parseJson(""), null);
  assert.equal(parseJson("<html>"), null);
});

test("a failure uses the server's sentence and code, else a generic one", () => {
  assert.deepEqual(failure(400, { message: "  Choose a photo. ", error: "bad_file" }), {
    message: "Choose a photo.", status: 400, code: "bad_file", retryAfter: null,
  });
  assert.deepEqual(failure(500, null), {
    message: genericMessage(500), status: 500, code: "http_500", retryAfter: null,
  });
});

test("a 429 says when to try again, once", () => {
  const plain = failure(429, { message: "Slow down." }, "1");
  assert.equal(plain.message, "Slow down. Try again in 1 second.");
  assert.equal(plain.retryAfter, 1);
  assert.equal(failure(429, { message: "Try again in 5 seconds." }, "5").message, "Try again in 5 seconds.");
  assert.equal(failure(503, { message: "Busy." }, "5").retryAfter, null);
});

test("a grown result: each value is its part files joined, then its tail", () => {
  const index = {
    result: { text: "", pages: [], speech: { parts: [], voice: "x" } },
    parts: [
      { path: ["text"], type: "string", files: [{ name: "t0" }, { name: "t1" }], tail: "!" },
      { path: ["speech", "parts"], type: "list", files: [{ name: "s0" }], tail: [{ n: 2 }] },
    ],
  };
  const files = new Map([["t0", "Hello "], ["t1", "world"], ["s0", [{ n: 0 }, { n: 1 }]]]);
  const result = assembleResult(index, files);
  assert.equal(result.text, "Hello world!");
  assert.deepEqual(result.speech, { parts: [{ n: 0 }, { n: 1 }, { n: 2 }], voice: "x" });
  assert.deepEqual(index.result.speech.parts, [], "the index is not changed");
});
