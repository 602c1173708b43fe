// Forgot password: ask for a reset link by email. The API answers the same for every address
// (it never says whether an account exists), and that answer is shown as it is.

import * as api from "../api.js";
import { setBusy, showMessage } from "../dom.js";
import { formValues, liveValidation, showFieldErrors, focusFirstInvalid, showServerError } from "../forms.js";
import { checks, normaliseEmail } from "../validation.js";

const FIELDS = ["email"];

export default {
  name: "forgot",
  title: "Forgot your password?",
  template: "tpl-forgot",

  mount(root, { signal }) {
    const form = root.querySelector("#forgot-form");
    const formError = root.querySelector("#forgot-error");
    const answer = root.querySelector("#forgot-message");
    const submit = root.querySelector("#forgot-submit");
    liveValidation(form, FIELDS, (values) => checks.email(values), { signal });

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      showMessage(formError, "");
      const values = formValues(form);
      const errors = { email: checks.email(values) };
      showFieldErrors(form, errors, FIELDS);
      if (focusFirstInvalid(form, errors, FIELDS)) return;

      setBusy(submit, true, "Sending…");
      try {
        const { message } = await api.requestPasswordReset(normaliseEmail(values.email), { signal });
        showMessage(answer, message);
        answer.focus(); // read at once, and the form stays below for another address
      } catch (error) {
        if (signal.aborted) return;
        showServerError(form, formError, error, FIELDS);
      } finally {
        if (!signal.aborted) setBusy(submit, false);
      }
    }, { signal });
  },
};
