// Small DOM helpers shared by the views.

export function cloneTemplate(id) {
  const template = document.getElementById(id);
  return template.content.firstElementChild.cloneNode(true);
}

// The elements a part of a view works with, by name: { name: "#selector", ... } -> { name: element }.
export function elementsOf(root, selectors) {
  return Object.fromEntries(Object.entries(selectors).map(([name, selector]) => [name, root.querySelector(selector)]));
}

// Show a message in an element that is hidden while empty.
export function showMessage(element, text) {
  if (!element) return;
  element.textContent = text || "";
  element.hidden = !text;
}

// A one-time message shown at the top of a view, and said: a live region that arrives with
// its text already in it is not read out, and the focus goes to the view's heading.
export function showFlash(element, text) {
  showMessage(element, text);
  if (text) announce(text);
}

// Re-announce through the global polite live region (clearing first so a repeated
// sentence is announced again).
export function announce(text) {
  const region = document.getElementById("announcer");
  region.textContent = "";
  setTimeout(() => { region.textContent = text; }, 50);
}

// Disable a button while its request runs, keeping its text name meaningful.
export function setBusy(button, busy, busyLabel) {
  if (busy) {
    button.dataset.idleLabel ??= button.textContent;
    if (busyLabel) button.textContent = busyLabel;
  } else if (button.dataset.idleLabel !== undefined) {
    button.textContent = button.dataset.idleLabel;
    delete button.dataset.idleLabel;
  }
  button.disabled = busy;
  button.setAttribute("aria-busy", String(busy));
}

// setTimeout as a promise that ends early (rejecting) when the view's signal aborts.
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(signal.reason); return; }
    const timer = setTimeout(() => { signal?.removeEventListener("abort", onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(timer); reject(signal.reason); };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  const mb = bytes / (1024 * 1024);
  return `${mb >= 10 ? mb.toFixed(0) : mb.toFixed(1)} MB`;
}

// created_at may be an ISO string or epoch seconds/milliseconds.
export function parseTime(value) {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "number" || /^\d+(\.\d+)?$/.test(String(value))) {
    const n = Number(value);
    return new Date(n < 1e12 ? n * 1000 : n);
  }
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function formatTime(date) {
  if (!date) return "";
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** Put `text` on the clipboard; when the browser refuses (permissions, an insecure origin),
 *  select `source` (a field, or any element's text) so that Ctrl+C copies it. True if copied. */
export async function copyOrSelect(text, source) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (typeof source.select === "function") {
      source.focus();
      source.select();
    } else {
      const range = document.createRange();
      range.selectNodeContents(source);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }
    return false;
  }
}

// Inline two-step confirmation: `trigger` reveals `panel` (which holds yes/no buttons).
export function confirmInline({ trigger, panel, yes, no, onConfirm }) {
  trigger.addEventListener("click", () => {
    trigger.hidden = true;
    panel.hidden = false;
    yes.focus();
  });
  no.addEventListener("click", () => {
    panel.hidden = true;
    trigger.hidden = false;
    trigger.focus();
  });
  yes.addEventListener("click", () => onConfirm());
}

/**
 * A group of items that is one Tab stop: the arrow keys, Home and End move between them
 * (WAI-ARIA's roving tabindex). `setStop(item)` makes `item` the one Tab reaches.
 */
export function rovingKeys(items, item, event, setStop) {
  const i = items.indexOf(item);
  const target = {
    ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1,
    Home: 0, End: items.length - 1,
  }[event.key];
  if (target === undefined) return;
  event.preventDefault();
  const dest = items[Math.max(0, Math.min(items.length - 1, target))];
  setStop(dest);
  dest.focus();
}

/** Scroll only `container` (not the page) so `el` is in view: on a phone the text sits below
 *  the photo, and jumping the page away from what was just tapped would be confusing. In view
 *  means above the mini-player too, where the box runs under it. */
export function scrollWithin(container, el) {
  if (container.scrollHeight <= container.clientHeight) return;
  const c = container.getBoundingClientRect();
  const r = el.getBoundingClientRect();
  const bottom = seenBottom(c);
  if (r.top < c.top) container.scrollTop -= c.top - r.top + 8;
  else if (r.bottom > bottom) container.scrollTop += r.bottom - bottom + 8;
}

/** Where the window stops being seen: the top of the bar fixed at its bottom (the mini-player,
 *  result/mini-player.js), while it shows; else the window's bottom. */
function windowBottom() {
  const bar = document.querySelector(".mini-player:not([hidden])");
  return bar ? Math.min(innerHeight, bar.getBoundingClientRect().top) : innerHeight;
}

/** The bottom of a scrolling box's seen part: above the mini-player where the box runs under it
 *  (unless only a sliver of it is left above: then its own bottom, and the page moves). */
export function seenBottom(box) {
  const bottom = windowBottom();
  return bottom - box.top >= 48 ? Math.min(box.bottom, bottom) : box.bottom;
}

/** The page scrolls the least that brings `el` out from under the mini-player, if it is under
 *  it (the body keeps room for that at its end). Elsewhere, on screen or off, it stays. */
export function keepClear(el) {
  const bottom = windowBottom();
  if (bottom >= innerHeight) return;
  const r = el.getBoundingClientRect();
  if (r.bottom > bottom && r.top < innerHeight) window.scrollBy(0, r.bottom - bottom + 8);
}

/** A button showing `icon` (hidden from assistive technology) and named `name` in text a screen
 * reader says (visually hidden); `id` is also its test hook. */
export function iconButton(id, icon, name, className = "button button-quiet") {
  const button = document.createElement("button");
  button.type = "button";
  button.className = `${className} mini-step`;
  button.id = id;
  button.dataset.testid = id;
  const glyph = document.createElement("span");
  glyph.setAttribute("aria-hidden", "true");
  glyph.textContent = icon;
  const label = document.createElement("span");
  label.className = "visually-hidden";
  label.textContent = name;
  button.append(glyph, label);
  return button;
}

/**
 * A new element `tag` appended to `parent` (when given): `id` (also its test hook), `className`,
 * `text`, and any other properties (`type`, `htmlFor`, ...) set as they are.
 */
export function make(tag, { id, className, text, ...props } = {}, parent = null) {
  const el = document.createElement(tag);
  if (id) {
    el.id = id;
    el.dataset.testid = id;
  }
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  Object.assign(el, props);
  parent?.append(el);
  return el;
}
