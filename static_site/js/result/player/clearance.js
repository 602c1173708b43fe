// (pure) Keeping the lit word clear of the transport bar fixed at the bottom of the screen (the
// mini-player): where the seen part of a scrolling box ends, and how far to scroll a box (the
// text, the zoomed page image) or the page so that a word is above the bar. Rectangles are
// {top, bottom} in the window's pixels, as getBoundingClientRect gives them.

/** The room kept between the lit word and the bar's top edge. */
export const CLEAR_GAP = 8;
/** A box with less than this much of it above the bar is not scrolled within: the page moves. */
export const MIN_SEEN = 48;

/**
 * Where the window stops being seen: the bar's top (`bar`: its rectangle, or null while it is
 * hidden), else the window's bottom (`height`).
 */
export function seenEnd(height, bar) {
  return bar ? Math.min(height, bar.top) : height;
}

/** The bottom of a scrolling `box`'s seen part: above the bar where the box runs under it. */
export function boxSeenBottom(box, end) {
  return end - box.top >= MIN_SEEN ? Math.min(box.bottom, end) : box.bottom;
}

/**
 * How far to scroll `box` (down: positive) so that `el` inside it is seen whole above `end` (the
 * bar's top): 0 when it already is. A word taller than what is seen is brought to the top.
 */
export function scrollWithinBy(box, el, end, gap = CLEAR_GAP) {
  const bottom = boxSeenBottom(box, end);
  if (el.top < box.top) return el.top - box.top - gap;
  if (el.bottom > bottom) return Math.min(el.bottom - bottom + gap, el.top - box.top);
  return 0;
}

/**
 * How far to scroll the page (down: positive) so that `el` is not under the bar: only when it is
 * under it (on screen, its bottom past the bar's top); elsewhere, on screen or off, 0.
 */
export function pageClearBy(el, height, bar, gap = CLEAR_GAP) {
  const end = seenEnd(height, bar);
  if (end >= height) return 0;
  return el.bottom > end && el.top < height ? el.bottom - end + gap : 0;
}

/** Whether `el` is seen: some of it between the window's top and the bar's top. */
export function isSeen(el, height, bar) {
  return el.bottom > 0 && el.top < seenEnd(height, bar);
}

/**
 * `pageClearBy` for `el` (the lit word's box on the page image) while `keep` (the lit word in the
 * text, or null) is to stay seen: the page moves only when `keep` is not seen, or stays whole
 * below the window's top after the move; else 0 (the text being read is not pulled away).
 */
export function pageClearKeeping(el, keep, height, bar, gap = CLEAR_GAP) {
  const by = pageClearBy(el, height, bar, gap);
  if (!by || !keep || !isSeen(keep, height, bar)) return by;
  return keep.top - by >= 0 ? by : 0;
}
