// The user's jobs, newest first: open, delete, and "Load more" with the API's `next` cursor.

import * as api from "../../api.js";
import { announce, cloneTemplate, confirmInline, formatTime, parseTime, showMessage, sleep } from "../../dom.js";
import { deleteQuestion, filesCountText } from "./file-words.js";

export const STATUS_LABELS = {
  uploading: "Uploading",
  queued: "Waiting",
  processing: "Reading",
  done: "Ready",
  failed: "Failed",
};

const ENDED = { done: true, failed: true };

/** The badge: its status, and "No text" for a finished job that found nothing to read. */
function showStatus(item, job) {
  const empty = job.status === "done" && job.summary && job.summary.characters === 0;
  const state = empty ? "empty" : job.status;
  item.dataset.status = job.status;
  const badge = item.querySelector(".badge");
  badge.className = `badge badge-${state}`;
  badge.textContent = empty ? "No text" : STATUS_LABELS[job.status] || job.status;
}

/** `onJobs(jobs)`: the jobs listed, after each load and delete (for "Continue listening"). */
export function mountHistory(root, { signal, onJobs = () => {} }) {
  const list = root.querySelector("#history-list");
  const more = root.querySelector("#history-more");
  const refresh = root.querySelector("#history-refresh");
  const status = root.querySelector("#history-status");
  const errorEl = root.querySelector("#history-error");
  const heading = root.querySelector("#history-title");
  let next = null;
  let loading = false;
  let shown = []; // the jobs listed, for the count by kind

  function count() {
    status.textContent = filesCountText(shown, { more: Boolean(next) });
  }

  async function load({ append }) {
    if (loading) return;
    loading = true;
    showMessage(errorEl, "");
    more.disabled = true;
    refresh.disabled = true;
    if (!append) status.textContent = "Loading your files…";
    try {
      const page = await api.listJobs(append ? next : null, { signal });
      if (!append) { list.replaceChildren(); shown = []; }
      const jobs = page?.jobs || [];
      const items = jobs.map((job) => renderItem(job));
      list.append(...items);
      shown = [...shown, ...jobs];
      next = page?.next || null;
      more.hidden = !next;
      count();
      onJobs(shown);
      // Keyboard users who pressed "Load more" continue at the first new item.
      if (append && items.length) items[0].querySelector("a").focus();
    } catch (error) {
      if (signal.aborted || error.handled) return;
      status.textContent = "";
      showMessage(errorEl, error.message);
    } finally {
      loading = false;
      more.disabled = false;
      refresh.disabled = false;
    }
  }

  // Keep focus in the list: on the next item, else the previous, else the heading.
  function deleted(item, name) {
    const neighbour = item.nextElementSibling || item.previousElementSibling;
    item.remove();
    shown = shown.filter((job) => job.job_id !== item.dataset.jobId);
    count();
    onJobs(shown);
    announce(`Deleted ${name}.`);
    if (neighbour) neighbour.querySelector("a").focus();
    else { heading.tabIndex = -1; heading.focus(); }
  }

  function renderItem(job) {
    const item = cloneTemplate("tpl-history-item");
    item.dataset.jobId = job.job_id;
    item.dataset.status = job.status;
    const name = job.filename || "Untitled";
    const link = item.querySelector(".history-open");
    link.href = `#/jobs/${encodeURIComponent(job.job_id)}`;
    link.textContent = name;
    showStatus(item, job);
    if (!(job.status in ENDED)) follow(item, job.job_id, signal);
    const time = item.querySelector("time");
    const created = parseTime(job.created_at);
    if (created) {
      time.dateTime = created.toISOString();
      time.textContent = formatTime(created);
    }

    setUpDelete(item, job, name, { signal, errorEl, onDeleted: () => deleted(item, name) });
    return item;
  }

  more.addEventListener("click", () => load({ append: true }), { signal });
  refresh.addEventListener("click", () => load({ append: false }), { signal });
  load({ append: false });
}

// An unfinished job's badge follows it until it ends, without a Refresh.
async function follow(item, jobId, signal) {
  let delay = 2000;
  while (!signal.aborted) {
    try {
      await sleep(delay, signal);
      if (!item.isConnected) return; // refreshed away or deleted (it is added after this starts)
      const job = await api.getJob(jobId, { signal });
      if (!item.isConnected) return;
      showStatus(item, job);
      if (job.status in ENDED) return;
    } catch (error) {
      if (signal.aborted || error.handled || error.status === 404) return;
    }
    delay = Math.min(delay * 1.5, 15000);
  }
}

function setUpDelete(item, job, name, { signal, errorEl, onDeleted }) {
  const trigger = item.querySelector(".history-delete");
  // Name the buttons after the photo so a list of "Delete" buttons is still distinguishable.
  trigger.setAttribute("aria-label", `Delete ${name}`);
  const panel = item.querySelector(".history-confirm");
  panel.querySelector(".confirm-text").textContent = deleteQuestion(job);
  const yes = panel.querySelector('[data-testid="history-delete-confirm"]');
  const no = panel.querySelector('[data-testid="history-delete-cancel"]');
  yes.setAttribute("aria-label", `Yes, delete ${name}`);
  confirmInline({
    trigger, panel, yes, no,
    onConfirm: async () => {
      yes.disabled = true;
      try {
        await api.deleteJob(job.job_id, { signal });
      } catch (error) {
        if (signal.aborted || error.handled) return;
        yes.disabled = false;
        showMessage(errorEl, error.message);
        return;
      }
      onDeleted();
    },
  });
}
