// "Delete my files after N days": off by default; the sweep enforces it (PATCH /me).

import * as api from "../../api.js";
import { elementsOf, setBusy, showMessage } from "../../dom.js";
import { setFieldError } from "../../forms.js";
import { parseRetention, RETENTION, retentionText } from "../../account-text.js";

export function mountRetention(root, { signal }) {
  const els = elementsOf(root, {
    form: "#retention-form", enabled: "#retention-enabled", days: "#retention-days", current: "#retention-current",
    status: "#retention-status", error: "#retention-error", save: "#retention-save",
  });

  function show(days) {
    els.enabled.checked = days !== null && days !== undefined;
    els.days.value = String(days ?? RETENTION.suggested);
    els.days.disabled = !els.enabled.checked;
    els.current.textContent = retentionText(days);
  }

  els.enabled.addEventListener("change", () => {
    els.days.disabled = !els.enabled.checked;
    setFieldError(els.form, "days", "");
  }, { signal });

  els.form.addEventListener("submit", async (event) => {
    event.preventDefault();
    els.status.textContent = "";
    showMessage(els.error, "");
    const choice = parseRetention(els.enabled.checked, els.days.value);
    setFieldError(els.form, "days", choice.error || "");
    if (choice.error) { els.days.focus(); return; }

    setBusy(els.save, true, "Saving…");
    try {
      const user = await api.updateMe({ retention_days: choice.days }, { signal });
      show(user.retention_days);
      els.status.textContent = `Saved. ${retentionText(user.retention_days)}`;
    } catch (error) {
      if (signal.aborted || error.handled) return;
      showMessage(els.error, error.message);
    } finally {
      if (!signal.aborted) setBusy(els.save, false);
    }
  }, { signal });

  return { show };
}
