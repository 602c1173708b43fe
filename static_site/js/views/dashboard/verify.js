// The "check your mail" step: while the address is not confirmed, the dashboard says where the
// link went, sends it again on request, and notices when it was opened (in another tab).

import * as api from "../../api.js";
import * as session from "../../session.js";
import { announce, elementsOf } from "../../dom.js";
import { wireResend } from "../account/resend.js";

/** `show(user)` shows or hides the step for the account as GET /me gave it. */
export function mountVerifyStep(root, { signal, justSignedUp }) {
  const els = elementsOf(root, {
    panel: "#verify-step", title: "#verify-step-title", email: "#verify-step-email",
    resend: "#verify-step-resend", status: "#verify-step-status",
  });

  function show(user) {
    const open = Boolean(user) && user.email_verified === false;
    const was = !els.panel.hidden;
    els.panel.hidden = !open;
    if (open) els.email.textContent = user.email || "";
    if (was && user?.email_verified) announce("Your email address is confirmed.");
  }

  if (justSignedUp) {
    // The account was just made: this is the next step, and where the focus goes.
    els.title.textContent = "Your account is ready: check your mail";
    show({ ...session.getUser(), email_verified: false });
    queueMicrotask(() => els.title.focus()); // (after the view's heading took it)
  }

  wireResend(els.resend, els.status, signal);

  // Back from the mail (the link opens in another tab): ask again whether it was opened.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible" || els.panel.hidden) return;
    api.me({ signal }).then(show).catch(() => { /* 401 is handled globally; else it stays */ });
  }, { signal });

  return { show };
}
