// Site settings. index.html loads config.js (written by `make run` and by the deploy) as a
// classic script before any module runs; when that file is missing we load the shipped
// config.example.js instead, and any key still missing takes the built-in default.

const DEFAULTS = {
  apiBase: "http://127.0.0.1:8000",
  requestTimeoutMs: 20000, // a fetch that takes longer is abandoned with a readable message
  uploadTimeoutMs: 10 * 60 * 1000,
};

function loadScript(src) {
  return new Promise((resolve) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = () => resolve(true);
    script.onerror = () => resolve(false);
    document.head.append(script);
  });
}

if (!window.PAGEVOICE_CONFIG) {
  await loadScript(new URL("../config.example.js", import.meta.url).href);
}

const loaded = window.PAGEVOICE_CONFIG || {};

export const config = Object.freeze({
  ...DEFAULTS,
  ...loaded,
  // Tolerate "http://host:8000/" as well as "http://host:8000".
  apiBase: String(loaded.apiBase || DEFAULTS.apiBase).replace(/\/+$/, ""),
});
