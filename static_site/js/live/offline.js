// Live reading works with no connection after the first visit: the service worker (sw.js, at
// the site's root so that it serves the whole app shell) keeps the pages, the scripts and the
// models. It is registered from the live view only: nobody else downloads the models.

/** Registers the service worker; resolves once it controls this page (or at once when the
 *  browser has none, or it cannot be registered: live reading then needs the network). */
export function registerOffline() {
  const sw = navigator.serviceWorker;
  if (!sw || !window.isSecureContext) return Promise.resolve(false);
  return sw.register(new URL("../../sw.js", import.meta.url), { scope: new URL("../../", import.meta.url).pathname })
    .then(() => sw.controller || new Promise((resolve) => {
      sw.addEventListener("controllerchange", () => resolve(true), { once: true });
    }))
    .then(() => true, () => false);
}
