// The dashboard's "Continue listening": each recording with a saved place, its progress, and a
// link to its result (which plays on from there). Drawn from the jobs the history has loaded.

import { cloneTemplate } from "../../dom.js";
import { progressLabel, progressText, toContinue } from "./listening.js";

export function mountContinue(root) {
  const panel = root.querySelector("#continue");
  const list = root.querySelector("#continue-list");

  function show(jobs) {
    const items = toContinue(jobs).map((job) => {
      const item = cloneTemplate("tpl-continue-item");
      const name = job.filename || "Untitled";
      const { t } = job.position;
      item.dataset.jobId = job.job_id;
      const link = item.querySelector(".continue-open");
      link.href = `#/jobs/${encodeURIComponent(job.job_id)}`;
      link.textContent = name;
      const bar = item.querySelector("progress");
      if (Number.isFinite(job.seconds) && job.seconds > 0) {
        bar.max = job.seconds;
        bar.value = Math.min(t, job.seconds);
      } else bar.hidden = true;
      bar.setAttribute("aria-label", progressLabel(name, t, job.seconds));
      item.querySelector(".continue-time").textContent = progressText(t, job.seconds);
      return item;
    });
    list.replaceChildren(...items);
    panel.hidden = items.length === 0;
  }

  return { show };
}
