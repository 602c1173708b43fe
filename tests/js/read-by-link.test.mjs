import { test } from "node:test";
import assert from "node:assert/strict";
import { checkLink, linkHint, linkRequest, readsLinks } from "../../static_site/js/views/dashboard/link-words.js";

const page = { name: "page" };
const speech = { name: "speech" };
const digits = { name: "digits" };

test("a web address is taken as typed, its spaces around trimmed", () => {
  assert.deepEqual(checkLink(" https://example.org/article.html\n"), { url: "https://example.org/article.html" });
  assert.deepEqual(checkLink("http://127.0.0.3:8123/article.html"), { url: "http://127.0.0.3:8123/article.html" });
  assert.deepEqual(checkLink("HTTPS://Example.org/x?y=1#z"), { url: "HTTPS://Example.org/x?y=1#z" });
});

test("nothing pasted asks for an address", () => {
  for (const text of ["", "   ", null, undefined]) assert.match(checkLink(text).error, /^Paste the address/);
});

test("another scheme is refused by name", () => {
  assert.equal(checkLink("ftp://example.org/x").error,
    "PageVoice reads only web addresses, starting with https:// or http://, not ftp: ones.");
  assert.match(checkLink("file:///etc/passwd").error, /not file: ones/);
  assert.match(checkLink("javascript:alert(1)").error, /not javascript: ones/);
  assert.match(checkLink("mailto:ada@example.org").error, /not mailto: ones/);
});

test("an address without its scheme is shown with one", () => {
  assert.equal(checkLink("example.org/page").error, "Start the address with https:// or http://, as in https://example.org/page.");
  assert.match(checkLink("www.example.org").error, /as in https:\/\/www\.example\.org\.$/);
  assert.match(checkLink("example.org:8080/x").error, /as in https:\/\/example\.org:8080\/x\.$/); // a port, not a scheme
  assert.match(checkLink("//example.org/x").error, /as in https:\/\/example\.org\/x\.$/);
  // Half a scheme, or a long text: no example made of it.
  assert.equal(checkLink("http:example.org").error, "Start the address with https:// or http://.");
  assert.equal(checkLink(`some words ${"x".repeat(80)}`).error, "Start the address with https:// or http://.");
});

test("an address that is not one, or holds a user name or password, is refused", () => {
  assert.match(checkLink("https://").error, /not a web address/);
  assert.match(checkLink("https://exa mple.org/").error, /not a web address/);
  assert.match(checkLink("https://ada:secret@example.org/").error, /user name and password/);
  assert.match(checkLink("https://ada@example.org/").error, /user name and password/);
});

test("links are read as documents or recordings", () => {
  assert.equal(readsLinks(page), true);
  assert.equal(readsLinks(speech), true);
  assert.equal(readsLinks(digits), false);
  assert.equal(readsLinks(null), false);
  assert.match(linkHint(page), /web page/);
  assert.match(linkHint(speech), /recording/);
});

test("the request names the kind, language and voice only when there are some", () => {
  const url = "https://example.org/a";
  assert.deepEqual(linkRequest({ url, kind: page }), { url, kind: "page" });
  assert.deepEqual(linkRequest({ url, kind: speech, language: "fr" }), { url, kind: "speech", language: "fr" });
  assert.deepEqual(linkRequest({ url, kind: page, language: "en", voice: "kokoro:af_heart" }),
    { url, kind: "page", language: "en", voice: "kokoro:af_heart" });
  assert.deepEqual(linkRequest({ url, kind: digits, language: undefined, voice: undefined }), { url });
});
