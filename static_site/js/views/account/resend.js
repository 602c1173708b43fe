// "Send the link again": one button asking for a new confirmation mail, and the line saying
// how it went (the account page's profile and the dashboard's "check your mail" step).

import * as api from "../../api.js";
import { setBusy } from "../../dom.js";

export function wireResend(button, status, signal) {
  button.addEventListener("click", async () => {
    status.textContent = "";
    setBusy(button, true, "Sending…");
    try {
      const { message } = await api.resendVerification({ signal });
      status.textContent = message;
    } catch (error) {
      if (signal.aborted || error.handled) return;
      status.textContent = error.message;
    } finally {
      if (!signal.aborted) setBusy(button, false);
    }
  }, { signal });
}
