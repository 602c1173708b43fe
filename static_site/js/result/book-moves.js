// A book's window moves (book-view.js shows them): one after another, each asking for the book
// around a page (api.js moveBook). While one is under way the pages are busy (aria-busy) and,
// once it takes longer than a glance, the window's live status names the pages coming; a move
// that fails says so and can be tried again. No DOM here.

// A move quicker than this (its files read already) says nothing before its pages are shown: the
// status would flash and a screen reader would speak it for nothing.
export const LOADING_SHOWN_MS = 400;

const what = (flow) => (flow ? "sections" : "pages");
const capital = (text) => text[0].toUpperCase() + text.slice(1);
const span = ({ from, to }) => `${(from + 1).toLocaleString("en")}–${to.toLocaleString("en")}`;

/** "Pages 1–17 of 1,000 shown." ("No pages read yet." before the first is read) */
export const windowText = (window, flow) => (window.to <= window.from ? `No ${what(flow)} read yet.`
  : `${capital(what(flow))} ${span(window)} of ${window.total.toLocaleString("en")} shown.`);

/** "Loading pages 640–656…" */
export const loadingText = (window, flow) => `Loading ${what(flow)} ${span(window)}…`;

/** "Pages 640–656 could not be loaded. Check the connection and try again." */
export const failedText = (window, flow) =>
  `${capital(what(flow))} ${span(window)} could not be loaded. Check the connection and try again.`;

/**
 * The window's moves, one after another: `moveTo(page, then)` asks for the book around `page`
 * (`move(page)`: a promise of the answer), gives the answer to `onResult`, then calls `then`.
 * `onState({busy, loading, failed})` hears each change: `busy` while a move is under way or
 * waiting for one; `loading` the page of the move under way once it has taken `delay` ms (else
 * null); `failed` ({page, retry, at}) when the last move failed, until another succeeds or says
 * it is loading (a move tried again that fails at once leaves the failure said, not said again).
 */
export function createMover({ move, onResult, onState, signal, delay = LOADING_SHOWN_MS, later = setTimeout,
  cancel = clearTimeout }) {
  let moving = null; // the last move asked for (each waits for the one before)
  let current = null; // the page of the move under way
  let timer = null;
  let lastFailed = null; // {page, then}
  let state = { busy: false, loading: null, failed: null };
  const set = (next) => {
    state = { ...state, ...next };
    onState(state);
  };

  function moveTo(page, then) {
    const go = async () => {
      current = page;
      cancel(timer);
      if (state.loading !== null) set({ loading: page }); // (said already: the next pages at once)
      else timer = later(() => { if (current !== null) set({ loading: current, failed: null }); }, delay);
      const job = await move(page);
      onResult(job);
      then?.();
    };
    const chain = (moving || Promise.resolve()).then(go, go).then(
      () => { lastFailed = null; },
      () => { lastFailed = signal?.aborted ? null : { page, then }; },
    ).finally(() => {
      current = null;
      cancel(timer);
      if (moving !== chain) return; // (a move chained after it is still under way)
      moving = null;
      const failed = lastFailed && {
        page: lastFailed.page, retry: moveTo.bind(null, lastFailed.page, lastFailed.then), at: Date.now(),
      };
      if (!signal?.aborted) set({ busy: false, loading: null, failed });
    });
    moving = chain;
    if (!state.busy) set({ busy: true });
    return chain;
  }
  return { moveTo, busy: () => moving !== null };
}
