// What carries from one view to the next in this tab during someone's first minutes: that the
// account was just made (the dashboard then asks to confirm the address, as the next step), and
// the files dropped on the start page before signing in (the dashboard then reads it).

let signedUp = false;
let pending = [];

export function markSignedUp() { signedUp = true; }
export function takeSignedUp() { const was = signedUp; signedUp = false; return was; }

export function keepFiles(files) { pending = [...files]; }
export function takeFiles() { const files = pending; pending = []; return files; }

/** A touch screen with no mouse: hints about keys, dropping and pasting mean nothing there. */
export function touchOnly() {
  return Boolean(window.matchMedia?.("(hover: none) and (pointer: coarse)").matches);
}
