// The account page's profile: name, email, whether the address is verified, and a new link.

import { elementsOf } from "../../dom.js";
import { wireResend } from "./resend.js";

export function mountProfile(root, { signal }) {
  const els = elementsOf(root, {
    name: "#account-name", email: "#account-email", state: "#email-state", panel: "#verify-panel",
    resend: "#resend-verification", status: "#resend-status",
  });

  wireResend(els.resend, els.status, signal);

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
