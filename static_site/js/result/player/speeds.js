// The speeds the player offers (pure, no DOM): 0.5x to 4x in steps of 0.1. Listeners used to
// 3-4x (many blind readers) need the top of the range; a speed saved before (0.75x, 1.25x, from
// the older list) stays valid and is offered as it is.

export const MIN_SPEED = 0.5;
export const MAX_SPEED = 4;

/** `value` as a speed the player takes (rounded to hundredths), or null when out of range. */
export function validSpeed(value) {
  const n = Number(value);
  if (value === null || value === "" || !Number.isFinite(n)) return null;
  const rounded = Math.round(n * 100) / 100;
  return rounded >= MIN_SPEED && rounded <= MAX_SPEED ? rounded : null;
}

/** The speeds offered: every tenth from 0.5 to 4, and `current` in its place when between two. */
export function speedChoices(current = 1) {
  const list = [];
  for (let k = Math.round(MIN_SPEED * 10); k <= Math.round(MAX_SPEED * 10); k += 1) list.push(k / 10);
  const extra = validSpeed(current);
  if (extra !== null && !list.includes(extra)) list.push(extra);
  return list.sort((a, b) => a - b);
}

/** "1.5×" */
export const speedLabel = (rate) => `${rate}×`;
