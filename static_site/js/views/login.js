// Log in. Shows the one-time message left by a logout or an ended session.

import * as api from "../api.js";
import * as session from "../session.js";
import { setBusy, showFlash, showMessage } from "../dom.js";
import { formValues, liveValidation, showFieldErrors, focusFirstInvalid, showServerError } from "../forms.js";
import { checks, normaliseEmail } from "../validation.js";

const FIELDS = ["email", "password"];

// Only presence is checked here: the length rules are for new passwords.
function check(values, field) {
  if (field === "email") return checks.email(values);
  return values.password ? "" : "Enter your password.";
}

export default {
  name: "login",
  title: "Log in",
  template: "tpl-login",
  guestOnly: true,

  mount(root, { signal, navigate }) {
    const form = root.querySelector("#login-form");
    const formError = root.querySelector("#login-error");
    const flash = root.querySelector("#login-message");
    const submit = root.querySelector("#login-submit");

    showFlash(flash, session.takeFlash());
    liveValidation(form, FIELDS, check, { signal });

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      showMessage(formError, "");
      const values = formValues(form);
      const errors = {};
      for (const field of FIELDS) {
        const message = check(values, field);
        if (message) errors[field] = message;
      }
      showFieldErrors(form, errors, FIELDS);
      if (focusFirstInvalid(form, errors, FIELDS)) return;

      setBusy(submit, true, "Logging in…");
      try {
        // A 401 here is "wrong email or password", not an ended session.
        const { token, user } = await api.login(normaliseEmail(values.email), values.password, { signal, handle401: false });
        session.start(token, user);
        navigate(session.takeReturnTo() || "#/app");
      } catch (error) {
        if (signal.aborted) return;
        setBusy(submit, false);
        showServerError(form, formError, error, FIELDS);
        form.elements.namedItem("password").select();
      }
    }, { signal });
  },
};
