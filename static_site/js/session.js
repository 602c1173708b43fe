// The signed-in session: the API token and the user it belongs to, kept in localStorage so
// that closing the browser does not sign the user out.

const TOKEN_KEY = "pagevoice.token";
const USER_KEY = "pagevoice.user";

// localStorage can throw (storage disabled, private modes); the site must still work for
// the current page, so fall back to memory.
const memory = new Map();
const store = {
  get(key) {
    try { return window.localStorage.getItem(key); } catch { return memory.get(key) ?? null; }
  },
  set(key, value) {
    try { window.localStorage.setItem(key, value); } catch { memory.set(key, value); }
  },
  remove(key) {
    try { window.localStorage.removeItem(key); } catch { /* memory below */ }
    memory.delete(key);
  },
};

export function getToken() {
  return store.get(TOKEN_KEY);
}

export function isSignedIn() {
  return Boolean(getToken());
}

export function getUser() {
  try { return JSON.parse(store.get(USER_KEY) || "null"); } catch { return null; }
}

export function setUser(user) {
  if (user) store.set(USER_KEY, JSON.stringify({ id: user.id, name: user.name, email: user.email }));
}

export function start(token, user) {
  store.set(TOKEN_KEY, token);
  setUser(user);
}

export function clear() {
  store.remove(TOKEN_KEY);
  store.remove(USER_KEY);
}

// Another tab logged out (or in): call back so this tab follows.
export function onChangeElsewhere(callback) {
  window.addEventListener("storage", (event) => {
    if (event.key === TOKEN_KEY || event.key === null) callback();
  });
}

// A one-time message for the next view (e.g. "Your session has ended").
let flash = null;
export function setFlash(message) { flash = message; }
export function takeFlash() { const message = flash; flash = null; return message; }

// Where to go after logging in, when a signed-out visitor opened a page that needs a session.
let returnTo = null;
export function setReturnTo(hash) { returnTo = hash; }
export function takeReturnTo() { const hash = returnTo; returnTo = null; return hash; }
