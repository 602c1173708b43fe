// Zoom and pan on the photo: buttons (Zoom in, Zoom out, Fit), Ctrl + wheel, dragging with the
// mouse and, when zoomed, the arrow keys on the photo (a focusable scrolling region; touch
// screens scroll it with a finger). The figure keeps the word boxes in percent of the image,
// so zooming is only a change of the figure's width. When zoomed in, every word box has a hit
// area of at least 24 x 24 px (CSS: .figure.is-zoomed .word-box::before), the drawn box is not
// enlarged.

export const LEVELS = [1, 1.5, 2, 3, 4];
const MAX_HEIGHT_VH = 0.8; // at "Fit", the whole photo is in view

export function setUpZoom({ viewport, figure, zoomIn, zoomOut, fit, level, signal, aspect }) {
  let zoom = 1;
  let ratio = aspect || 1; // width / height of the image

  function baseWidth() {
    // The panel's width (not the viewport's, which loses its scroll bar's width when zoomed).
    const available = viewport.parentElement.clientWidth || viewport.clientWidth;
    const byHeight = window.innerHeight * MAX_HEIGHT_VH * ratio;
    return Math.max(1, Math.min(available, byHeight));
  }

  function layout(keepCentre = null) {
    figure.style.width = `${Math.round(baseWidth() * zoom)}px`;
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

  const centre = () => centreOf(viewport, figure);

  function set(value, around = null) {
    const next = Math.max(LEVELS[0], Math.min(LEVELS[LEVELS.length - 1], value));
    if (next === zoom) return;
    const keep = around || centre();
    zoom = next;
    layout(keep);
  }

  // The next level up or down from where we are (Ctrl + wheel can leave us between levels).
  const step = (dir) => {
    const next = dir > 0 ? LEVELS.find((l) => l > zoom + 1e-6) : [...LEVELS].reverse().find((l) => l < zoom - 1e-6);
    if (next !== undefined) set(next);
  };

  zoomIn.addEventListener("click", () => step(1), { signal });
  zoomOut.addEventListener("click", () => step(-1), { signal });
  fit.addEventListener("click", () => set(1), { signal });

  // Ctrl + wheel (and a trackpad's pinch, which Chromium reports as Ctrl + wheel) zooms at the
  // pointer; a plain wheel scrolls as usual.
  viewport.addEventListener("wheel", (event) => {
    if (!event.ctrlKey) return;
    event.preventDefault();
    const rect = figure.getBoundingClientRect();
    const at = { x: (event.clientX - rect.left) / rect.width, y: (event.clientY - rect.top) / rect.height };
    const factor = Math.exp(-event.deltaY / 300);
    const next = Math.max(LEVELS[0], Math.min(LEVELS[LEVELS.length - 1], zoom * factor));
    if (next === zoom) return;
    zoom = next;
    figure.style.width = `${Math.round(baseWidth() * zoom)}px`;
    viewport.scrollLeft = at.x * figure.offsetWidth - (event.clientX - viewport.getBoundingClientRect().left);
    viewport.scrollTop = at.y * figure.offsetHeight - (event.clientY - viewport.getBoundingClientRect().top);
    layout();
  }, { signal, passive: false });

  panWithMouse(viewport, { signal, zoomed: () => zoom > 1 });

  zoomWithKeys(viewport, { signal, step, fit: () => set(1) });

  const resize = new ResizeObserver(() => layout(zoom > 1 ? centre() : null));
  resize.observe(viewport.parentElement);
  signal.addEventListener("abort", () => resize.disconnect(), { once: true });
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
    /** Scroll (only the photo, only when zoomed) so that `el` is in view. */
    reveal(el) {
      if (zoom > 1 && el) reveal(viewport, el);
    },
  };
}

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
