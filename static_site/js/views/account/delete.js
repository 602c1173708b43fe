// Delete the account: a second step asks for the password and a tick that says "for good".

import * as api from "../../api.js";
import * as session from "../../session.js";
import { elementsOf, setBusy, showMessage } from "../../dom.js";
import { focusFirstInvalid, showFieldErrors, showServerError } from "../../forms.js";

const FIELDS = ["password", "understood"];
export const ACCOUNT_DELETED = "Your account and everything in it were deleted.";

function check(form) {
  const errors = {};
  if (!form.elements.namedItem("password").value) errors.password = "Enter your password.";
  if (!form.elements.namedItem("understood").checked) {
    errors.understood = "Tick this box to confirm that everything should be deleted.";
  }
  return errors;
}

export function mountDelete(root, { signal, navigate }) {
  const { start, form, formError, confirm, cancel } = elementsOf(root, {
    start: "#delete-start", form: "#delete-form", formError: "#delete-error",
    confirm: "#delete-confirm", cancel: "#delete-cancel",
  });

  start.addEventListener("click", () => {
    start.hidden = true;
    form.hidden = false;
    form.elements.namedItem("password").focus();
  }, { signal });

  cancel.addEventListener("click", () => {
    form.reset();
    showFieldErrors(form, {}, FIELDS);
    showMessage(formError, "");
    form.hidden = true;
    start.hidden = false;
    start.focus();
  }, { signal });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showMessage(formError, "");
    const errors = check(form);
    showFieldErrors(form, errors, FIELDS);
    if (focusFirstInvalid(form, errors, FIELDS)) return;

    setBusy(confirm, true, "Deleting…");
    try {
      await api.deleteAccount(form.elements.namedItem("password").value, { signal });
    } catch (error) {
      if (signal.aborted || error.handled) return;
      setBusy(confirm, false);
      showServerError(form, formError, error, FIELDS);
      return;
    }
    session.clear();
    session.setFlash(ACCOUNT_DELETED);
    navigate("#/");
  }, { signal });
}
