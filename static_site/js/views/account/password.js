// Change the password, knowing the current one. The account's other sessions end; this one stays.

import * as api from "../../api.js";
import { elementsOf, setBusy, showMessage } from "../../dom.js";
import { formValues, liveValidation, showFieldErrors, focusFirstInvalid, showServerError } from "../../forms.js";
import { newPasswordChecks, validate } from "../../validation.js";

const FIELDS = ["current_password", "new_password", "new_password_confirmation"];
const RULES = {
  current_password: (values) => (values.current_password ? "" : "Enter your current password."),
  ...newPasswordChecks,
};
export const PASSWORD_CHANGED = "Password changed; your other sessions were signed out.";

export function mountPassword(root, { signal }) {
  const { form, formError, submit, done } = elementsOf(root, {
    form: "#password-form", formError: "#password-error", submit: "#password-submit", done: "#password-done",
  });
  liveValidation(form, FIELDS, (values, field) => RULES[field](values), {
    signal, dependents: { new_password: ["new_password_confirmation"] },
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showMessage(formError, "");
    showMessage(done, "");
    const values = formValues(form);
    const errors = validate(values, FIELDS, RULES);
    showFieldErrors(form, errors, FIELDS);
    if (focusFirstInvalid(form, errors, FIELDS)) return;

    setBusy(submit, true, "Changing…");
    try {
      await api.changePassword(values, { signal });
    } catch (error) {
      if (signal.aborted || error.handled) return;
      showServerError(form, formError, error, FIELDS);
      return;
    } finally {
      if (!signal.aborted) setBusy(submit, false);
    }
    form.reset();
    showMessage(done, PASSWORD_CHANGED);
    done.focus();
  }, { signal });
}
