// "Paste a link": an address read by PageVoice (POST /uploads {"url"}, CONTRACTS section 18). The
// worker fetches it, so there is no file to send: once the API answers, on to the job's page as
// after an upload. The address is checked here first (link-words.js); a refusal, here or the
// API's, is said beside the field (aria-describedby), the field marked invalid and focused.

import * as api from "../../api.js";
import { announce, setBusy } from "../../dom.js";
import { checkLink, linkHint, linkRequest, readsLinks } from "./link-words.js";

/** `offer(kind)` shows the form for the kinds that read links; `busy()` while the link is sent. */
export function mountLink(root, { signal, navigate, ready, kindOf, languageOf, voice, status, uploading }) {
  const form = root.querySelector("#link-form");
  const input = root.querySelector("#link-url");
  const button = root.querySelector("#link-submit");
  const errorEl = root.querySelector("#link-url-error");
  let sending = false;

  function refuse(message) {
    errorEl.textContent = message;
    input.setAttribute("aria-invalid", "true");
    // Focus moving to the field reads its description (the error); already there, say it.
    if (document.activeElement === input) announce(message);
    else input.focus();
  }

  function clear() {
    errorEl.textContent = "";
    input.removeAttribute("aria-invalid");
  }

  async function submit() {
    if (sending) return;
    if (uploading()) {
      refuse("A file is uploading. Wait for it to finish or cancel it, then read the link.");
      return;
    }
    const checked = checkLink(input.value);
    if (checked.error) {
      refuse(checked.error);
      return;
    }
    clear();
    try {
      await ready;
    } catch {
      return; // said when the kinds could not be had
    }
    sending = true;
    setBusy(button, true, "Sending the link…");
    input.readOnly = true;
    status.textContent = `Asking PageVoice to read ${checked.url}…`;
    try {
      const body = linkRequest({ url: checked.url, kind: kindOf(), language: languageOf(), voice: voice.current() });
      const job = await api.readLink(body, { signal });
      status.textContent = "Link received. Reading it…";
      navigate(`#/jobs/${encodeURIComponent(job.job_id)}`);
    } catch (error) {
      if (signal.aborted || error.handled) return; // left the page; 401: on the way to sign in
      status.textContent = "";
      refuse(error.message);
    } finally {
      sending = false;
      if (!signal.aborted) {
        setBusy(button, false);
        input.readOnly = false;
      }
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  }, { signal });
  // The error goes as soon as the address changes (it is checked again on the next submit).
  input.addEventListener("input", () => { if (input.hasAttribute("aria-invalid")) clear(); }, { signal });

  return {
    offer(kind) {
      form.hidden = !readsLinks(kind);
      root.querySelector("#link-url-hint").textContent = linkHint(kind);
    },
    busy: () => sending,
  };
}
