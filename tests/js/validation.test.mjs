import { test } from "node:test";
import assert from "node:assert/strict";

import { RULES, checks, normaliseEmail, validate } from "../../static_site/js/validation.js";

test("normaliseEmail trims and lower-cases, and treats missing as empty", () => {
  assert.equal(normaliseEmail("  Ada@Example.COM "), "ada@example.com");
  assert.equal(normaliseEmail(undefined), "");
});

test("name is required and limited by code points, not UTF-16 units", () => {
  assert.equal(checks.name({ name: "   " }), "Enter your name.");
  assert.equal(checks.name({ name: "😀".repeat(RULES.nameMax) }), "");
  assert.equal(checks.name({ name: "a".repeat(RULES.nameMax + 1) }),
    `Your name can be at most ${RULES.nameMax} characters.`);
});

test("email must look like name@domain.tld", () => {
  assert.equal(checks.email({}), "Enter your email address.");
  assert.equal(checks.email({ email: "ada@example" }), "Enter an email address like name@example.com.");
  assert.equal(checks.email({ email: " ADA@example.com " }), "");
});

test("password length bounds count code points", () => {
  assert.equal(checks.password({}), "Enter a password.");
  assert.equal(checks.password({ password: "😀".repeat(RULES.passwordMin - 1) }),
    `Use at least ${RULES.passwordMin} characters.`);
  assert.equal(checks.password({ password: "😀".repeat(RULES.passwordMin) }), "");
  assert.equal(checks.password({ password: "x".repeat(RULES.passwordMax + 1) }),
    `Use at most ${RULES.passwordMax} characters.`);
});

test("validate reports only the named fields that fail", () => {
  const values = { name: "Ada", email: "bad", password: "long enough", password_confirmation: "other" };
  assert.deepEqual(validate(values, ["name", "email", "password", "password_confirmation"]), {
    email: "Enter an email address like name@example.com.",
    password_confirmation: "The passwords do not match.",
  });
  assert.deepEqual(validate(values, ["name"]), {});
});
