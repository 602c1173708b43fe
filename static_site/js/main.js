// Entry point: hash routing, the header, logout and the "session ended" path.

import * as api from "./api.js";
import { SESSION_ENDED_MESSAGE } from "./api-answers.js";
import * as session from "./session.js";
import { cloneTemplate, setBusy } from "./dom.js";
import landing from "./views/landing.js";
import register from "./views/register.js";
import login from "./views/login.js";
import dashboard from "./views/dashboard.js";
import job from "./views/job.js";
import notFound from "./views/not-found.js";
import forgot from "./views/forgot.js";
import reset from "./views/reset.js";
import verify from "./views/verify.js";
import account from "./views/account.js";
import apiKeys from "./views/api-keys.js";
import pronunciations from "./views/pronunciations.js";
import live from "./live/view.js";

// A mangled link ("%E0") is passed on as it is: the API then refuses it with a sentence.
function decode(part) {
  try { return decodeURIComponent(part); } catch { return part; }
}

const ROUTES = [
  { pattern: /^\/?$/, view: landing },
  { pattern: /^\/register$/, view: register },
  { pattern: /^\/login$/, view: login },
  { pattern: /^\/app$/, view: dashboard },
  { pattern: /^\/jobs\/([^/]+)$/, view: job, params: (m) => ({ id: decode(m[1]) }) },
  { pattern: /^\/forgot$/, view: forgot },
  { pattern: /^\/reset\/([^/]+)$/, view: reset, params: (m) => ({ token: decode(m[1]) }) },
  { pattern: /^\/verify\/([^/]+)$/, view: verify, params: (m) => ({ token: decode(m[1]) }) },
  { pattern: /^\/account$/, view: account },
  { pattern: /^\/api-keys$/, view: apiKeys },
  { pattern: /^\/pronunciations$/, view: pronunciations },
  { pattern: /^\/live$/, view: live },
];

let current = null; // { controller } of the mounted view
let firstRender = true;

function resolve(hash) {
  const path = hash.startsWith("#/") ? hash.slice(1) : "/";
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (match) return { view: route.view, params: route.params ? route.params(match) : {} };
  }
  return { view: notFound, params: {} };
}

export function navigate(hash, { replace = false } = {}) {
  if (location.hash === hash) { render(); return; }
  if (replace) {
    history.replaceState(null, "", hash);
    render();
  } else {
    location.hash = hash; // hashchange renders
  }
}

function render() {
  const { view, params } = resolve(location.hash);

  // Guards: pages that need a session send visitors to log in (and back afterwards);
  // log in / register send signed-in users to their dashboard.
  if (view.requiresAuth && !session.isSignedIn()) {
    session.setReturnTo(location.hash);
    session.setFlash(session.takeFlash() || "Please log in to continue.");
    navigate("#/login", { replace: true });
    return;
  }
  if (view.guestOnly && session.isSignedIn()) {
    navigate("#/app", { replace: true });
    return;
  }

  current?.controller.abort(); // stops the old view's polling, uploads and listeners
  const controller = new AbortController();
  current = { controller, view };

  const root = cloneTemplate(view.template);
  document.getElementById("view").replaceChildren(root);
  document.title = `${view.title} · PageVoice`;
  document.body.dataset.view = view.name;
  updateHeader();
  view.mount(root, { signal: controller.signal, params, navigate });

  // Move focus to the new view's heading so keyboard and screen reader users start there.
  // Not on first load: the browser's own start-of-page position is expected then.
  if (!firstRender) {
    const heading = root.querySelector("h1");
    heading?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }
  firstRender = false;
}

function updateHeader() {
  const signedIn = session.isSignedIn();
  document.getElementById("nav-signed-in").hidden = !signedIn;
  document.getElementById("nav-signed-out").hidden = signedIn;
  // The link of the page shown says so (to screen readers, and underlined).
  const here = location.hash || "#/";
  for (const link of document.querySelectorAll(".site-header nav a")) {
    if (link.getAttribute("href") === here) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function endSession(message) {
  session.clear();
  session.setFlash(message);
  navigate("#/login");
}

// Any 401 on an authenticated request: bad, expired or revoked token.
api.onUnauthorized(() => {
  if (!session.isSignedIn()) return; // several requests may fail together; act once
  endSession(SESSION_ENDED_MESSAGE);
});

// Logged out (or in) in another tab: follow it here.
session.onChangeElsewhere(() => {
  if (!session.isSignedIn() && current?.view.requiresAuth) endSession("You have logged out.");
  else render();
});

document.getElementById("logout-button").addEventListener("click", async (event) => {
  const button = event.currentTarget;
  setBusy(button, true, "Logging out…");
  try {
    await api.logout();
  } catch {
    // Whatever the server said (already revoked, unreachable), this browser forgets the token.
  } finally {
    setBusy(button, false);
  }
  endSession("You have logged out.");
});

// The skip link targets #main, which is not a route: move focus without touching the hash.
document.querySelector(".skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  document.getElementById("main").focus();
});

window.addEventListener("hashchange", () => {
  // In-page anchors (not "#/...") are not navigation.
  if (location.hash && !location.hash.startsWith("#/")) return;
  render();
});
render();
