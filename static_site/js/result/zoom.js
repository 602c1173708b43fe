// Zoom and pan on the photo: buttons (Zoom in, Zoom out, Fit), Ctrl + wheel, dragging with the
// mouse and, when zoomed, the arrow keys on the photo (a focusable scrolling region; touch
// screens scroll it with a finger). The figure keeps the word boxes in percent of the image,
// so zooming is only a change of the figure's width. When zoomed in, every word box has a hit
// area of at least 24 x 24 px (CSS: .figure.is-zoomed .word-box::before), the drawn box is not
// enlarged. A photo whose text is small in it opens zoomed to the text (zoomToText), and
// "Zoom in" from Fit zooms around the text, not the photo's middle.

export const LEVELS = [1, 1.5, 2, 3, 4];
const MAX_HEIGHT_VH = 0.8; // at "Fit", the whole photo is in view
export const TEXT_FILL = 0.85; // zoomed to the text, it takes at most this share of the view
export const MIN_TEXT_ZOOM = 1.5; // text that would grow less than this is shown at Fit
const MIN_BAND = 0.4; // the share of the zoomed photo on screen under which we centre in all of it

/**
 * The zoom at which the text's box (fractions of the image: left, top, right, bottom) fills the
 * room in view: `base` is the image's width at Fit (px), `ratio` its width / height, `width` and
 * `height` the room (px). 1 when the text is not small in the photo.
 */
export function textZoom(box, { base, ratio, width, height }) {
  if (!box || !(base > 0 && ratio > 0 && width > 0 && height > 0)) return 1;
  const w = Math.max(box.right - box.left, 1e-3) * base;
  const h = (Math.max(box.bottom - box.top, 1e-3) * base) / ratio;
  const z = Math.min(LEVELS[LEVELS.length - 1], (TEXT_FILL * width) / w, (TEXT_FILL * height) / h);
  return z >= MIN_TEXT_ZOOM ? z : 1;
}

/**
 * The part of the zoomed photo's frame that is on screen, from the frame's top (px): where the
 * text is centred. All of the frame when too little of it is on screen (it is further down).
 */
export function visibleBand({ top, height, windowHeight }) {
  const from = Math.max(top, 0);
  const to = Math.min(top + height, windowHeight);
  if (to - from < MIN_BAND * height) return { top: 0, height };
  return { top: from - top, height: to - from };
}

export function setUpZoom({ viewport, figure, zoomIn, zoomOut, fit, level, signal, aspect }) {
  let zoom = 1;
  let ratio = aspect || 1; // width / height of the image
  let text = null; // where the text is, as fractions of the image (zoomToText)
  let textPending = false; // zoomToText asked before the photo had a size
  let framed = false; // zoomed to the text and not zoomed since: a new size frames the text again

  function baseWidth() {
    // The panel's width (not the viewport's, which loses its scroll bar's width when zoomed).
    const available = viewport.parentElement.clientWidth || viewport.clientWidth;
    const byHeight = window.innerHeight * MAX_HEIGHT_VH * ratio;
    return Math.max(1, Math.min(available, byHeight));
  }

  const layout = (keepCentre = null) => draw({ viewport, figure, zoomIn, zoomOut, fit, level }, zoom, baseWidth(), keepCentre);

  const centre = () => centreOf(viewport, figure);

  function set(value, around = null) {
    const next = Math.max(LEVELS[0], Math.min(LEVELS[LEVELS.length - 1], value));
    if (next === zoom) return;
    const keep = around || centre();
    zoom = next;
    framed = false;
    if (zoom === 1) viewport.style.maxHeight = ""; // back to the CSS frame (zoomToText may have set one)
    layout(keep);
  }

  // The next level up or down from where we are (Ctrl + wheel can leave us between levels).
  const step = (dir) => {
    const next = dir > 0 ? LEVELS.find((l) => l > zoom + 1e-6) : [...LEVELS].reverse().find((l) => l < zoom - 1e-6);
    // From Fit, in around the text (the photo's middle may be a tree).
    if (next !== undefined) set(next, zoom <= 1 && text ? middleOf(text) : null);
  };

  function zoomToText(box) {
    text = box;
    textPending = Boolean(box) && !viewport.parentElement.clientWidth; // not laid out yet: on the first resize
    viewport.style.maxHeight = "";
    const { zoom: z, band } = (box && !textPending && textFraming(box, viewport, { base: baseWidth(), ratio })) || {};
    if (!z) { // not small (at this size): Fit
      if (framed) set(1);
      return;
    }
    zoom = z;
    framed = true;
    // The frame ends at the screen's bottom: text at the photo's bottom edge is on the first screen.
    if (band.top === 0) viewport.style.maxHeight = `${Math.floor(band.height)}px`;
    layout();
    const at = middleOf(box); // in the middle of the part of the frame on screen
    viewport.scrollLeft = at.x * figure.offsetWidth - viewport.clientWidth / 2;
    viewport.scrollTop = at.y * figure.offsetHeight - (band.top + Math.min(band.height, viewport.clientHeight) / 2);
  }

  zoomIn.addEventListener("click", () => step(1), { signal });
  zoomOut.addEventListener("click", () => step(-1), { signal });
  fit.addEventListener("click", () => set(1), { signal });

  zoomWithWheel(viewport, figure, { signal, current: () => zoom, apply: (next) => { zoom = next; framed = false; layout(); } });

  panWithMouse(viewport, { signal, zoomed: () => zoom > 1 });

  zoomWithKeys(viewport, { signal, step, fit: () => set(1) });

  watchSize(viewport, signal, () => {
    if (textPending || framed) zoomToText(text);
    else layout(zoom > 1 ? centre() : null);
  });
  window.addEventListener("resize", () => layout(), { signal });

  layout();

  return {
    get level() { return zoom; },
    set,
    /** A new image (another page): its shape, the same zoom, back at the top left. */
    setAspect(value) {
      ratio = value || 1;
      layout();
      viewport.scrollLeft = 0;
      viewport.scrollTop = 0;
    },
    /** Zoom to the text's box (fractions of the image) if the text is small in the photo. */
    zoomToText,
    /** Scroll (only the photo, only when zoomed) so that `el` is in view. */
    reveal(el) {
      if (zoom > 1 && el) reveal(viewport, el);
    },
  };
}

/** The figure `zoom` times its width at Fit (`base`), the controls, `keepCentre` in the middle. */
function draw({ viewport, figure, zoomIn, zoomOut, fit, level }, zoom, base, keepCentre) {
  figure.style.width = `${Math.round(base * zoom)}px`;
  const zoomed = zoom > 1;
  figure.classList.toggle("is-zoomed", zoomed);
  viewport.classList.toggle("is-zoomed", zoomed);
  // A scrolling region the keyboard can reach only when there is something to scroll to.
  if (zoomed) viewport.tabIndex = 0;
  else viewport.removeAttribute("tabindex");
  if (keepCentre) {
    viewport.scrollLeft = keepCentre.x * figure.offsetWidth - viewport.clientWidth / 2;
    viewport.scrollTop = keepCentre.y * figure.offsetHeight - viewport.clientHeight / 2;
  }
  level.textContent = `${Math.round(zoom * 100)}%`;
  zoomOut.disabled = zoom <= LEVELS[0];
  zoomIn.disabled = zoom >= LEVELS[LEVELS.length - 1];
  fit.disabled = zoom === 1;
}

/** `resized()` when the panel holding the photo changes size. */
function watchSize(viewport, signal, resized) {
  const observer = new ResizeObserver(resized);
  observer.observe(viewport.parentElement);
  signal.addEventListener("abort", () => observer.disconnect(), { once: true });
}

/** The zoom that puts the text in view and the part of the frame on screen; null: stay at Fit. */
function textFraming(box, viewport, { base, ratio }) {
  const band = visibleBand({
    top: viewport.getBoundingClientRect().top, height: window.innerHeight * MAX_HEIGHT_VH, windowHeight: window.innerHeight,
  });
  const zoom = textZoom(box, { base, ratio, width: viewport.parentElement.clientWidth, height: band.height });
  return zoom > 1 ? { zoom, band } : null;
}

// Ctrl + wheel (and a trackpad's pinch, which Chromium reports as Ctrl + wheel) zooms at the
// pointer; a plain wheel scrolls as usual. `apply(level)` zooms and lays out.
function zoomWithWheel(viewport, figure, { signal, current, apply }) {
  viewport.addEventListener("wheel", (event) => {
    if (!event.ctrlKey) return;
    event.preventDefault();
    const rect = figure.getBoundingClientRect();
    const at = { x: (event.clientX - rect.left) / rect.width, y: (event.clientY - rect.top) / rect.height };
    const next = Math.max(LEVELS[0], Math.min(LEVELS[LEVELS.length - 1], current() * Math.exp(-event.deltaY / 300)));
    if (next === current()) return;
    apply(next);
    const v = viewport.getBoundingClientRect();
    viewport.scrollLeft = at.x * figure.offsetWidth - (event.clientX - v.left);
    viewport.scrollTop = at.y * figure.offsetHeight - (event.clientY - v.top);
  }, { signal, passive: false });
}

const middleOf = (box) => ({ x: (box.left + box.right) / 2, y: (box.top + box.bottom) / 2 });

/** The point in view's centre, as a fraction of the figure's width and height. */
function centreOf(viewport, figure) {
  const w = figure.offsetWidth || 1;
  const h = figure.offsetHeight || 1;
  return {
    x: (viewport.scrollLeft + viewport.clientWidth / 2) / w,
    y: (viewport.scrollTop + viewport.clientHeight / 2) / h,
  };
}

// Keyboard on the focused photo: + and - zoom, 0 fits (the arrow keys scroll it natively).
function zoomWithKeys(viewport, { signal, step, fit }) {
  viewport.addEventListener("keydown", (event) => {
    if (event.target !== viewport || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "+" || event.key === "=") { event.preventDefault(); step(1); }
    else if (event.key === "-") { event.preventDefault(); step(-1); }
    else if (event.key === "0") { event.preventDefault(); fit(); }
  }, { signal });
}

// Dragging with the mouse pans when zoomed; a drag is not a click on the box under it.
function panWithMouse(viewport, { signal, zoomed }) {
  let drag = null;
  viewport.addEventListener("pointerdown", (event) => {
    if (!zoomed() || event.pointerType !== "mouse" || event.button !== 0) return;
    drag = { x: event.clientX, y: event.clientY, left: viewport.scrollLeft, top: viewport.scrollTop, moved: false };
  }, { signal });
  window.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 5) return;
    drag.moved = true;
    viewport.classList.add("is-panning");
    viewport.scrollLeft = drag.left - dx;
    viewport.scrollTop = drag.top - dy;
  }, { signal });
  window.addEventListener("pointerup", () => {
    if (drag?.moved) {
      // Swallow the click that ends the drag.
      viewport.addEventListener("click", (e) => { e.stopPropagation(); e.preventDefault(); }, { capture: true, once: true });
      setTimeout(() => viewport.classList.remove("is-panning"), 0);
    }
    drag = null;
  }, { signal });
}

function reveal(viewport, el) {
  const v = viewport.getBoundingClientRect();
  const r = el.getBoundingClientRect();
  const margin = 24;
  if (r.left < v.left + margin || r.right > v.right - margin) {
    viewport.scrollLeft += r.left - v.left - (v.width - r.width) / 2;
  }
  if (r.top < v.top + margin || r.bottom > v.bottom - margin) {
    viewport.scrollTop += r.top - v.top - (v.height - r.height) / 2;
  }
}
