// Choose a new password from the link in a reset mail (#/reset/<token>). The token is spent
// by the first success; a spent or expired one says so, with the way to ask for another.

import * as api from "../api.js";
import * as session from "../session.js";
import { setBusy, showMessage } from "../dom.js";
import { formValues, liveValidation, showFieldErrors, focusFirstInvalid, showServerError } from "../forms.js";
import { newPasswordChecks, validate } from "../validation.js";

const FIELDS = ["new_password", "new_password_confirmation"];
export const RESET_DONE = "Your password was changed. Sign in with the new one.";

export default {
  name: "reset",
  title: "Choose a new password",
  template: "tpl-reset",

  mount(root, { signal, params, navigate }) {
    const form = root.querySelector("#reset-form");
    const formError = root.querySelector("#reset-error");
    const tokenError = root.querySelector("#reset-token-error");
    const submit = root.querySelector("#reset-submit");
    const check = (values, field) => newPasswordChecks[field](values);
    liveValidation(form, FIELDS, check, { signal, dependents: { new_password: ["new_password_confirmation"] } });

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      showMessage(formError, "");
      const values = formValues(form);
      const errors = validate(values, FIELDS, newPasswordChecks);
      showFieldErrors(form, errors, FIELDS);
      if (focusFirstInvalid(form, errors, FIELDS)) return;

      setBusy(submit, true, "Changing…");
      try {
        await api.confirmPasswordReset({ token: params.token, ...values }, { signal });
      } catch (error) {
        if (signal.aborted) return;
        setBusy(submit, false);
        if (error.body?.field === "token") {
          root.querySelector("#reset-token-message").textContent = error.message;
          tokenError.hidden = false;
          form.hidden = true;
          tokenError.focus();
        } else {
          showServerError(form, formError, error, FIELDS);
        }
        return;
      }
      // Every session of the account has ended, this browser's too (if it had one).
      session.clear();
      session.setFlash(RESET_DONE);
      navigate("#/login");
    }, { signal });
  },
};
