// Where files come from besides the buttons' own dialogs: the picker and camera inputs, drag
// and drop anywhere on the page, and pasting an image.

/** `onFiles(files)` for chosen or dropped files, `onPaste(file)` for a pasted one. */
export function listenForFiles(root, { signal, onFiles, onPaste }) {
  for (const input of [root.querySelector("#upload-input"), root.querySelector("#camera-input")]) {
    openOnEnter(input, { signal });
    input.addEventListener("change", () => {
      const files = [...(input.files || [])];
      input.value = ""; // so choosing the same file again fires change again
      onFiles(files);
    }, { signal });
  }
  listenForDrops(root.querySelector("#drop-zone"), { signal, onFiles });
  document.addEventListener("paste", (event) => {
    const file = pastedFile(event.clipboardData?.items);
    if (!file) return; // plain text pastes go where they were meant to
    event.preventDefault();
    onPaste(file);
  }, { signal });
}

/**
 * A file input looks like a button (its label does), and a button opens with Enter as well as
 * Space: Chromium's file input opens only with Space.
 */
export function openOnEnter(input, { signal }) {
  input.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.repeat || input.disabled) return;
    event.preventDefault();
    try {
      input.showPicker();
    } catch {
      input.click(); // (no showPicker, or it refused: the click opens it where it may)
    }
  }, { signal });
}

// Drops count anywhere on the page, highlighted on the zone. Without preventDefault on the
// document a photo dropped beside the zone would replace the page.
export function listenForDrops(zone, { signal, onFiles }) {
  let dragDepth = 0;
  document.addEventListener("dragenter", (event) => {
    if (!hasFiles(event)) return;
    dragDepth += 1;
    zone.classList.add("is-dragging");
  }, { signal });
  document.addEventListener("dragleave", () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (!dragDepth) zone.classList.remove("is-dragging");
  }, { signal });
  document.addEventListener("dragover", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  }, { signal });
  document.addEventListener("drop", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    dragDepth = 0;
    zone.classList.remove("is-dragging");
    onFiles([...event.dataTransfer.files]);
  }, { signal });
}

function hasFiles(event) {
  return [...(event.dataTransfer?.types || [])].includes("Files");
}

/** An image from the clipboard (a screenshot, a copied photo), else any file, else null. */
export function pastedFile(items) {
  const list = [...(items || [])];
  const item = list.find((it) => it.kind === "file" && it.type.startsWith("image/"))
    || list.find((it) => it.kind === "file");
  return item?.getAsFile() || null;
}
