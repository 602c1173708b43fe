// Client-side checks that mirror the server's rules, so people see problems while typing.
// The server stays the authority (e.g. it alone refuses common passwords).

export const RULES = Object.freeze({ nameMax: 100, passwordMin: 8, passwordMax: 128 });

// Count characters the way the server (Python's len) does: by code point.
const length = (text) => [...text].length;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normaliseEmail(email) {
  return String(email || "").trim().toLowerCase();
}

export const checks = {
  name(values) {
    const name = String(values.name || "").trim();
    if (!name) return "Enter your name.";
    if (length(name) > RULES.nameMax) return `Your name can be at most ${RULES.nameMax} characters.`;
    return "";
  },
  email(values) {
    const email = normaliseEmail(values.email);
    if (!email) return "Enter your email address.";
    if (!EMAIL.test(email)) return "Enter an email address like name@example.com.";
    return "";
  },
  password(values) {
    const password = String(values.password || "");
    if (!password) return "Enter a password.";
    if (length(password) < RULES.passwordMin) return `Use at least ${RULES.passwordMin} characters.`;
    if (length(password) > RULES.passwordMax) return `Use at most ${RULES.passwordMax} characters.`;
    return "";
  },
  password_confirmation(values) {
    if (!values.password_confirmation) return "Enter the same password again.";
    if (values.password_confirmation !== values.password) return "The passwords do not match.";
    return "";
  },
};

export function validate(values, fieldNames, rules = checks) {
  const errors = {};
  for (const field of fieldNames) {
    const message = rules[field](values);
    if (message) errors[field] = message;
  }
  return errors;
}

// The same rules for a new password under the API's names (changing and resetting it).
export const newPasswordChecks = {
  new_password: (values) => checks.password({ password: values.new_password }),
  new_password_confirmation: (values) => checks.password_confirmation({
    password: values.new_password, password_confirmation: values.new_password_confirmation,
  }),
};
