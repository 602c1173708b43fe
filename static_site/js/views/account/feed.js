// "Podcast feed": the account's private feed (CONTRACTS section 18), off until turned on here.
// PATCH /me {"feed": true | false | "rotate"}; GET /me says its address (`feed_url`, null when
// off). Built here rather than in index.html's template: the section is this module's alone.
// Every change is said in a live region, and the focus goes where the next step is.

import * as api from "../../api.js";
import { copyOrSelect, make, setBusy, showMessage } from "../../dom.js";

export const FEED_ON = "Your feed is on. Copy its address into your podcast app.";
export const FEED_OFF = "Your feed is off: its address no longer works.";
export const FEED_ROTATED = "Your feed has a new address. The old one no longer works: subscribe again with this one.";
export const COPIED = "Copied to the clipboard.";
export const COPY_BY_HAND = "Could not copy automatically. The address is selected: copy it from there.";

/** The section's elements, made and put before the "Sign out everywhere" panel. */
function build(root) {
  const section = make("section", { id: "feed-panel", className: "panel feed-panel" });
  section.setAttribute("aria-labelledby", "feed-title");
  make("h2", { id: "feed-title", text: "Podcast feed" }, section);
  make("p", {
    id: "feed-about",
    text: "Listen in the podcast app you already use: every file PageVoice has read aloud for you, newest first, "
      + "with its chapters and transcript, on all your devices.",
  }, section);
  const state = make("p", { id: "feed-state", className: "field-hint", text: "Checking…" }, section);

  const off = make("div", { id: "feed-off", className: "actions" }, section);
  const enable = make("button", { id: "feed-enable", className: "button", type: "button", text: "Turn the feed on" },
    off);
  enable.setAttribute("aria-describedby", "feed-state");

  const on = make("div", { id: "feed-on", hidden: true }, section);
  make("label", { id: "feed-url-label", htmlFor: "feed-url", text: "Your feed's address" }, on);
  const row = make("div", { className: "copy-row" }, on);
  // A text area, so that the whole address wraps into view on a narrow screen.
  const url = make("textarea", { id: "feed-url", readOnly: true, rows: 2, spellcheck: false }, row);
  url.setAttribute("autocomplete", "off");
  url.setAttribute("aria-describedby", "feed-private");
  const copy = make("button", { id: "feed-copy", className: "button", type: "button", text: "Copy" }, row);
  copy.setAttribute("aria-describedby", "feed-url-label");
  make("p", {
    id: "feed-private", className: "field-hint",
    text: "In your podcast app, add a show by its address (\"Follow a Show by URL\" in Apple Podcasts). The "
      + "address is private: anyone who has it can listen, so keep it to yourself.",
  }, on);
  const actions = make("div", { className: "actions feed-actions" }, on);
  const rotate = make("button", { id: "feed-rotate", className: "button button-quiet", type: "button",
    text: "Get a new address" }, actions);
  const disable = make("button", { id: "feed-disable", className: "button button-quiet", type: "button",
    text: "Turn the feed off" }, actions);
  const confirm = make("div", { id: "feed-rotate-confirm", className: "actions", hidden: true }, on);
  make("p", {
    id: "feed-rotate-question",
    text: "A new address stops the old one at once: every app subscribed to it stops getting episodes.",
  }, confirm);
  const yes = make("button", { id: "feed-rotate-yes", className: "button", type: "button",
    text: "Get a new address" }, confirm);
  yes.setAttribute("aria-describedby", "feed-rotate-question");
  const no = make("button", { id: "feed-rotate-no", className: "button button-quiet", type: "button",
    text: "Keep this address" }, confirm);

  const status = make("p", { id: "feed-status", className: "status" }, section);
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  const error = make("p", { id: "feed-error", className: "message message-error", hidden: true }, section);
  error.setAttribute("role", "alert");

  const before = root.querySelector('[aria-labelledby="sessions-title"]');
  if (before) before.before(section);
  else root.querySelector(".view-account").append(section);
  return { state, off, enable, on, url, copy, actions, rotate, disable, confirm, yes, no, status, error };
}

export function mountFeed(root, { signal }) {
  const els = build(root);

  function show(feedUrl) {
    const isOn = typeof feedUrl === "string" && feedUrl !== "";
    els.off.hidden = isOn;
    els.on.hidden = !isOn;
    els.url.value = isOn ? feedUrl : "";
    els.state.textContent = isOn ? "Your feed is on." : "Your feed is off. Nothing is shared until you turn it on.";
    els.state.dataset.on = String(isOn);
  }

  /** Say `text` in the live region (cleared first, so that a sentence said twice is said again). */
  function say(text) {
    els.status.textContent = "";
    setTimeout(() => { els.status.textContent = text; }, 50);
  }

  async function change(button, value, busyLabel, done) {
    showMessage(els.error, "");
    els.status.textContent = "";
    setBusy(button, true, busyLabel);
    let user;
    try {
      user = await api.updateMe({ feed: value }, { signal });
    } catch (error) {
      if (signal.aborted || error.handled) return;
      showMessage(els.error, error.message);
      return;
    } finally {
      if (!signal.aborted) setBusy(button, false);
    }
    show(user.feed_url);
    done();
  }

  els.enable.addEventListener("click", () => change(els.enable, true, "Turning on…", () => {
    say(FEED_ON);
    els.url.focus();
  }), { signal });
  els.disable.addEventListener("click", () => change(els.disable, false, "Turning off…", () => {
    say(FEED_OFF);
    els.enable.focus();
  }), { signal });
  // A new address asks first: it cuts off every app subscribed to the old one.
  els.rotate.addEventListener("click", () => {
    els.actions.hidden = true;
    els.confirm.hidden = false;
    els.yes.focus();
  }, { signal });
  els.no.addEventListener("click", () => {
    els.confirm.hidden = true;
    els.actions.hidden = false;
    els.rotate.focus();
  }, { signal });
  els.yes.addEventListener("click", () => change(els.yes, "rotate", "Making a new address…", () => {
    els.confirm.hidden = true;
    els.actions.hidden = false;
    say(FEED_ROTATED);
    els.url.focus();
  }), { signal });

  els.copy.addEventListener("click", async () => {
    const copied = await copyOrSelect(els.url.value, els.url);
    say(copied ? COPIED : COPY_BY_HAND);
  }, { signal });
  // The whole address selected when the field is focused, for copying by hand.
  els.url.addEventListener("focus", () => els.url.select(), { signal });

  return { show };
}
