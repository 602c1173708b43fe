// The account page's profile: name, email, whether the address is verified, and a new link.

import * as api from "../../api.js";
import { elementsOf, setBusy } from "../../dom.js";

export function mountProfile(root, { signal }) {
  const els = elementsOf(root, {
    name: "#account-name", email: "#account-email", state: "#email-state", panel: "#verify-panel",
    resend: "#resend-verification", status: "#resend-status",
  });

  els.resend.addEventListener("click", async () => {
    els.status.textContent = "";
    setBusy(els.resend, true, "Sending…");
    try {
      const { message } = await api.resendVerification({ signal });
      els.status.textContent = message;
    } catch (error) {
      if (signal.aborted || error.handled) return;
      els.status.textContent = error.message;
    } finally {
      if (!signal.aborted) setBusy(els.resend, false);
    }
  }, { signal });

  /** Show `user`; `partial` (the stored name and email) leaves the verified state to come. */
  function show(user, { partial = false } = {}) {
    if (!user) return;
    els.name.textContent = user.name || "";
    els.email.textContent = user.email || "";
    if (partial) return;
    const verified = Boolean(user.email_verified);
    els.state.dataset.verified = String(verified);
    els.state.className = `badge ${verified ? "badge-done" : "badge-queued"}`;
    els.state.textContent = verified ? "Verified" : "Not verified yet";
    els.panel.hidden = verified;
  }

  return { show };
}
