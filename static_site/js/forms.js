// Field-level error display shared by the register and login forms.

import { announce, showMessage } from "./dom.js";

export function formValues(form) {
  return Object.fromEntries(new FormData(form).entries());
}

export function setFieldError(form, field, message) {
  const input = form.elements.namedItem(field);
  const slot = form.querySelector(`.field-error[data-field="${field}"]`);
  if (slot) slot.textContent = message || "";
  if (input) {
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
}

export function showFieldErrors(form, errors, fieldNames) {
  for (const field of fieldNames) setFieldError(form, field, errors[field] || "");
}

export function focusFirstInvalid(form, errors, fieldNames) {
  const first = fieldNames.find((field) => errors[field]);
  if (first) form.elements.namedItem(first)?.focus();
  return Boolean(first);
}

// Validate a field when the user leaves it, and again on every keystroke once it shows an
// error (so the message goes away as soon as it is fixed, but does not nag while typing).
export function liveValidation(form, fieldNames, check, { signal, dependents = {} } = {}) {
  const touched = new Set();
  const run = (field) => setFieldError(form, field, check(formValues(form), field));
  for (const field of fieldNames) {
    const input = form.elements.namedItem(field);
    input.addEventListener("blur", () => {
      if (input.value !== "" || touched.has(field)) { touched.add(field); run(field); }
    }, { signal });
    input.addEventListener("input", () => {
      if (touched.has(field)) run(field);
      for (const other of dependents[field] || []) if (touched.has(other)) run(other);
    }, { signal });
  }
}

// Put the server's error where it belongs: next to a field when the body names one
// ({"field": "email"} or {"fields"/"errors": {"email": "..."}}), else at the top of the form.
export function showServerError(form, formErrorEl, error, fieldNames) {
  const body = error.body || {};
  const perField = body.fields || body.errors;
  let placed = false;
  if (perField && typeof perField === "object" && !Array.isArray(perField)) {
    for (const [field, message] of Object.entries(perField)) {
      if (fieldNames.includes(field)) {
        setFieldError(form, field, Array.isArray(message) ? message.join(" ") : String(message));
        placed = true;
      }
    }
  } else if (typeof body.field === "string" && fieldNames.includes(body.field)) {
    setFieldError(form, body.field, error.message);
    placed = true;
  }
  // Said once: beside its field (focus goes there, and the field's description reads it; the
  // live region says it too), or else at the top of the form (role=alert).
  if (placed) {
    showMessage(formErrorEl, "");
    const first = fieldNames.find((f) => form.elements.namedItem(f)?.getAttribute("aria-invalid") === "true");
    form.elements.namedItem(first)?.focus();
    announce(error.message);
  } else {
    showMessage(formErrorEl, error.message);
  }
}
