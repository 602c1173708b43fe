// API keys: create one with a name (the key is shown once, with a Copy button), where to send
// it (the API's address and a curl call, with the new key in it), the list with when each was
// made and last used, and revoke with a confirmation.

import * as api from "../api.js";
import { config } from "../config.js";
import { touchOnly } from "../first-steps.js";
import { announce, cloneTemplate, confirmInline, copyOrSelect, elementsOf, formatTime, parseTime, setBusy, showMessage }
  from "../dom.js";
import { focusFirstInvalid, showFieldErrors, showServerError } from "../forms.js";
import { keyCountText, lastUsedText } from "../account-text.js";

const FIELDS = ["name"];
const NAME_MAX = 100;
const KEY_PLACEHOLDER = "YOUR-API-KEY";

/** The example call: the caller's files, newest first. */
export function curlExample(base, key) {
  return `curl -s ${base}/jobs -H "X-Api-Key: ${key || KEY_PLACEHOLDER}"`;
}

function checkName(name) {
  if (!name) return "Enter a name for the key.";
  if ([...name].length > NAME_MAX) return `A key's name can be at most ${NAME_MAX} characters.`;
  return "";
}

export default {
  name: "api-keys",
  title: "API keys",
  template: "tpl-api-keys",
  requiresAuth: true,

  mount(root, { signal }) {
    const list = mountList(root, { signal });
    const example = mountExample(root, { signal });
    mountCreate(root, { signal, example, onCreated: () => list.load() });
    list.load();
  },
};

function mountExample(root, { signal }) {
  const els = elementsOf(root, {
    base: "#api-base", openapi: "#api-openapi", curl: "#api-curl", copy: "#api-curl-copy",
    keyHint: "#api-curl-key", status: "#api-curl-status",
  });
  els.base.textContent = config.apiBase;
  els.openapi.href = `${config.apiBase}/openapi.json`;

  function show(key) {
    els.curl.value = curlExample(config.apiBase, key);
    els.keyHint.textContent = key ? "With your new key in it: run it in a terminal."
      : "Create a key above and it is filled in here.";
    els.status.textContent = "";
  }
  show("");
  mountCopy(els.curl, els.copy, els.status, { signal, what: "call" });
  return { show };
}

/** A Copy button for a read-only text area, saying what happened. */
function mountCopy(field, button, status, { signal, what }) {
  button.addEventListener("click", async () => {
    status.textContent = "";
    const copied = await copyOrSelect(field.value, field);
    const byHand = touchOnly() ? `The ${what} is selected: copy it from there.`
      : `The ${what} is selected: press Ctrl+C to copy it.`;
    // (set after clearing so that a second copy is announced again)
    setTimeout(() => {
      status.textContent = copied ? "Copied to the clipboard." : `Could not copy automatically. ${byHand}`;
    }, 50);
  }, { signal });
  // Select the whole text when the field is focused, for copying by hand.
  field.addEventListener("focus", () => field.select(), { signal });
}

function mountCreate(root, { signal, example, onCreated }) {
  const els = elementsOf(root, {
    form: "#apikey-form", formError: "#apikey-error", submit: "#apikey-create", panel: "#apikey-new",
    title: "#apikey-new-title", value: "#apikey-value", copy: "#apikey-copy", copied: "#apikey-copy-status",
    done: "#apikey-done", label: "#apikey-value-label",
  });

  els.form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showMessage(els.formError, "");
    const name = els.form.elements.namedItem("name").value.trim();
    const errors = { name: checkName(name) };
    showFieldErrors(els.form, errors, FIELDS);
    if (focusFirstInvalid(els.form, errors, FIELDS)) return;

    setBusy(els.submit, true, "Creating…");
    try {
      const created = await api.createApiKey(name, { signal });
      els.form.reset();
      els.label.textContent = `Key "${created.api_key.name}"`;
      els.value.value = created.key;
      els.copied.textContent = "";
      els.panel.hidden = false;
      example.show(created.key);
      els.title.focus();
      onCreated();
    } catch (error) {
      if (signal.aborted || error.handled) return;
      showServerError(els.form, els.formError, error, FIELDS);
    } finally {
      if (!signal.aborted) setBusy(els.submit, false);
    }
  }, { signal });

  mountCopy(els.value, els.copy, els.copied, { signal, what: "key" });

  els.done.addEventListener("click", () => {
    els.value.value = "";
    els.panel.hidden = true;
    example.show("");
    els.form.elements.namedItem("name").focus();
  }, { signal });
}

function mountList(root, { signal }) {
  const els = elementsOf(root, {
    list: "#apikey-list", status: "#apikey-status", error: "#apikey-list-error", heading: "#apikey-list-title",
  });
  const count = () => { els.status.textContent = keyCountText(els.list.children.length); };

  async function load() {
    showMessage(els.error, "");
    try {
      const { api_keys: keys } = await api.listApiKeys({ signal });
      keys.sort((a, b) => String(b.created_at).localeCompare(String(a.created_at))); // newest first
      els.list.replaceChildren(...keys.map((key) => renderKey(key, { signal, errorEl: els.error, onRevoked })));
      count();
    } catch (error) {
      if (signal.aborted || error.handled) return;
      showMessage(els.error, error.message);
    }
  }

  // Keep the focus in the list: the next key's Revoke, else the previous one's, else the heading.
  function onRevoked(item, name) {
    const neighbour = item.nextElementSibling || item.previousElementSibling;
    item.remove();
    count();
    announce(`Revoked the key "${name}".`);
    (neighbour?.querySelector(".apikey-revoke") || els.heading).focus();
  }

  return { load };
}

function renderKey(key, { signal, errorEl, onRevoked }) {
  const item = cloneTemplate("tpl-apikey-item");
  item.dataset.keyId = key.id;
  item.querySelector('[data-testid="apikey-name"]').textContent = key.name;
  item.querySelector('[data-testid="apikey-prefix"]').textContent = `${key.prefix}_…`;
  const created = parseTime(key.created_at);
  const time = item.querySelector('[data-testid="apikey-created"]');
  if (created) {
    time.dateTime = created.toISOString();
    time.textContent = formatTime(created);
  }
  item.querySelector('[data-testid="apikey-last-used"]').textContent =
    lastUsedText(parseTime(key.last_used_at), formatTime);

  const trigger = item.querySelector(".apikey-revoke");
  const panel = item.querySelector(".history-confirm");
  const yes = panel.querySelector('[data-testid="apikey-revoke-confirm"]');
  trigger.setAttribute("aria-label", `Revoke the key "${key.name}"`);
  yes.setAttribute("aria-label", `Yes, revoke the key "${key.name}"`);
  confirmInline({
    trigger, panel, yes, no: panel.querySelector('[data-testid="apikey-revoke-cancel"]'),
    onConfirm: async () => {
      setBusy(yes, true);
      try {
        await api.revokeApiKey(key.id, { signal });
      } catch (error) {
        if (signal.aborted || error.handled) return;
        setBusy(yes, false);
        showMessage(errorEl, error.message);
        return;
      }
      onRevoked(item, key.name);
    },
  });
  return item;
}
