// PageVoice's service worker (registered by the live view, js/live/offline.js): after the
// first visit, live reading works with no connection.
// - The app shell (the page, its styles, config.js and every module main.js and the live
//   reader's worker import) is fetched at install; afterwards the network is asked first and
//   the kept copy answers when it cannot (so a new version of the site is used once online).
// - The models and onnxruntime-web (live-assets/, ~45 MB) are kept at their first download
//   and answered from the cache from then on (they change only with a new name).
// - Nothing else is touched: the API and the storage are other origins and go to the network.

const SHELL = "pagevoice-shell-v1";
const ASSETS = "pagevoice-live-assets-v1";
const ROOTS = ["./", "index.html", "css/style.css", "css/live.css", "favicon.svg", "config.js"];
const MODULES = ["js/main.js", "js/live/worker.js"];
// Relative module specifiers after `from` or `import` (static and dynamic imports).
const IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*["'](\.{1,2}\/[^"'\s]+?\.m?js)["']/g;

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("pagevoice-") && name !== SHELL && name !== ASSETS) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.includes("/live-assets/")) event.respondWith(cacheFirst(event.request));
  else event.respondWith(networkFirst(event.request));
});

async function precache() {
  const cache = await caches.open(SHELL);
  await cache.addAll(ROOTS);
  const seen = new Set();
  const todo = MODULES.map((path) => new URL(path, self.registration.scope).href);
  while (todo.length) {
    const url = todo.pop();
    if (seen.has(url) || url.includes("/live-assets/")) continue;
    seen.add(url);
    const response = await fetch(url, { cache: "no-cache" });
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    await cache.put(url, response.clone());
    const text = await response.text();
    for (const match of text.matchAll(IMPORT)) todo.push(new URL(match[1], url).href);
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(ASSETS);
  const kept = await cache.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function networkFirst(request) {
  const cache = await caches.open(SHELL);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const kept = await cache.match(request, { ignoreSearch: true })
      || (request.mode === "navigate" ? await cache.match("./") : undefined);
    if (kept) return kept;
    throw error;
  }
}
