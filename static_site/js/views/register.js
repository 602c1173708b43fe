// Register: name, email, password and confirmation, checked inline with the server's rules;
// on success the user is logged in straight away, and the dashboard's next step is to confirm
// the address (the sign-up mail's link).

import * as api from "../api.js";
import * as session from "../session.js";
import { markSignedUp } from "../first-steps.js";
import { setBusy, showMessage } from "../dom.js";
import { formValues, liveValidation, showFieldErrors, focusFirstInvalid, showServerError } from "../forms.js";
import { checks, validate, normaliseEmail } from "../validation.js";

const FIELDS = ["name", "email", "password", "password_confirmation"];

export default {
  name: "register",
  title: "Create your account",
  template: "tpl-register",
  guestOnly: true,

  mount(root, { signal, navigate }) {
    const form = root.querySelector("#register-form");
    const formError = root.querySelector("#register-error");
    const submit = root.querySelector("#register-submit");

    liveValidation(form, FIELDS, (values, field) => checks[field](values), {
      signal,
      dependents: { password: ["password_confirmation"] },
    });

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      showMessage(formError, "");
      const values = formValues(form);
      const errors = validate(values, FIELDS);
      showFieldErrors(form, errors, FIELDS);
      if (focusFirstInvalid(form, errors, FIELDS)) return;

      const email = normaliseEmail(values.email);
      setBusy(submit, true, "Creating account…");
      try {
        await api.register({
          name: values.name.trim(),
          email,
          password: values.password,
          password_confirmation: values.password_confirmation,
        }, { signal });
      } catch (error) {
        if (signal.aborted) return;
        setBusy(submit, false);
        showServerError(form, formError, error, FIELDS);
        return;
      }

      // Account created: log in with the same credentials so the user lands on the dashboard.
      try {
        const { token, user } = await api.login(email, values.password, { signal, handle401: false });
        session.start(token, user);
        markSignedUp();
        navigate("#/app");
      } catch (error) {
        if (signal.aborted) return;
        session.setFlash(`Your account was created. Please log in. (${error.message})`);
        navigate("#/login");
      }
    }, { signal });
  },
};
