// PageVoice site settings. `make run` and the deploy write config.js with the same shape;
// this example is what the site uses when config.js is missing.
window.PAGEVOICE_CONFIG = {
  // Base URL of the HTTP API, no trailing slash.
  apiBase: "http://127.0.0.1:8000",
  // What uploads accept, and their limits, come from the API (GET /kinds).
};
