// Confirm an email address from the link in the sign-up mail (#/verify/<token>).

import * as api from "../api.js";
import * as session from "../session.js";
import { showMessage } from "../dom.js";

export default {
  name: "verify",
  title: "Confirm your email address",
  template: "tpl-verify",

  async mount(root, { signal, params }) {
    const status = root.querySelector("#verify-status");
    const next = root.querySelector("#verify-next");
    const onward = root.querySelector("#verify-continue");
    if (session.isSignedIn()) {
      onward.href = "#/account";
      onward.textContent = "Go to your account";
    }
    let verified = true;
    try {
      await api.verifyEmail(params.token, { signal });
    } catch (error) {
      if (signal.aborted) return;
      // A link opened twice is spent; a signed-in holder may already be verified by it.
      verified = session.isSignedIn() && await alreadyVerified(signal);
      if (!verified) {
        status.hidden = true;
        showMessage(root.querySelector("#verify-error"), error.message);
      }
    }
    if (signal.aborted) return;
    if (verified) {
      // Someone who asked for a new password got this link instead: the way back to it.
      root.querySelector("#verify-forgot").hidden = session.isSignedIn();
      status.dataset.status = "done";
      status.textContent = "Your email address is verified. If you forget your password, we can now email you a link to choose a new one.";
    }
    next.hidden = false;
  },
};

async function alreadyVerified(signal) {
  try {
    return Boolean((await api.me({ signal }))?.email_verified);
  } catch {
    return false;
  }
}
