import { test } from "node:test";
import assert from "node:assert/strict";

import {
  exportAnnouncement, exportFinished, exportLinkText, exportProgress, exportProgressText, keyCountText,
  lastUsedText, parseRetention, RETENTION, retentionText,
} from "../../static_site/js/account-text.js";
import { newPasswordChecks, validate } from "../../static_site/js/validation.js";

const building = (done, total) => ({ status: "building", progress: { done, total } });

test("export progress: indeterminate until the total is known, then done of total, full when ready", () => {
  assert.equal(exportProgress({ status: "queued", progress: { done: 0, total: 0 } }), null);
  assert.deepEqual(exportProgress(building(3, 12)), { value: 3, max: 12 });
  assert.deepEqual(exportProgress(building(15, 12)), { value: 12, max: 12 }); // never past the end
  assert.deepEqual(exportProgress({ status: "ready", progress: { done: 0, total: 0 } }), { value: 1, max: 1 });
});

test("export progress text for each state", () => {
  assert.equal(exportProgressText({ status: "queued", progress: { done: 0, total: 0 } }), "Waiting to start your export…");
  assert.equal(exportProgressText(building(0, 0)), "Packing your files…");
  assert.equal(exportProgressText(building(3, 12)), "Packing your files: 3 of 12 files.");
  assert.equal(exportProgressText(building(0, 1)), "Packing your files: 0 of 1 file.");
  assert.equal(exportProgressText({ status: "ready", size: 4404019 }), "Your export is ready (4.2 MB).");
  assert.equal(exportProgressText({ status: "failed", message: "No room." }), "No room.");
  assert.equal(exportProgressText({ status: "failed" }), "The export could not be made. Please try again.");
});

test("export: announced on each change of state, finished when ready or failed, the link names its size", () => {
  assert.equal(exportAnnouncement({ status: "queued" }), "Your export has started.");
  assert.equal(exportAnnouncement(building(1, 2)), "Packing your files.");
  assert.match(exportAnnouncement({ status: "ready", size: 2048 }), /^Your export is ready \(2 KB\)\. Use the download link/);
  assert.equal(exportFinished({ status: "building" }), false);
  assert.equal(exportFinished({ status: "ready" }), true);
  assert.equal(exportFinished({ status: "failed" }), true);
  assert.equal(exportLinkText({ size: 800 }), "Download your export (zip, 800 bytes)");
});

test("retention: off is null; on needs a whole number of days within the API's range", () => {
  assert.deepEqual(parseRetention(false, "abc"), { days: null });
  assert.deepEqual(parseRetention(true, " 30 "), { days: 30 });
  assert.deepEqual(parseRetention(true, String(RETENTION.max)), { days: RETENTION.max });
  assert.equal(parseRetention(true, "").error, "Enter a number of days.");
  assert.equal(parseRetention(true, "2.5").error, "Enter a whole number of days, like 30.");
  assert.equal(parseRetention(true, "-3").error, "Enter a whole number of days, like 30.");
  assert.equal(parseRetention(true, "0").error, "Choose from 1 to 3650 days.");
  assert.equal(parseRetention(true, "3651").error, "Choose from 1 to 3650 days.");
});

test("retention and key sentences", () => {
  assert.equal(retentionText(null), "Your files are kept until you delete them.");
  assert.equal(retentionText(1), "Each file is deleted 1 day after you upload it.");
  assert.equal(retentionText(30), "Each file is deleted 30 days after you upload it.");
  assert.equal(lastUsedText(null, () => "x"), "Never used");
  assert.equal(lastUsedText(new Date(0), () => "1 Jan 1970"), "Last used 1 Jan 1970");
  assert.equal(keyCountText(0), "You have no API keys yet.");
  assert.equal(keyCountText(1), "You have 1 API key.");
  assert.equal(keyCountText(2), "You have 2 API keys.");
});

test("a new password follows the registration's rules under the API's field names", () => {
  const fields = ["new_password", "new_password_confirmation"];
  assert.deepEqual(validate({ new_password: "long enough", new_password_confirmation: "long enough" }, fields,
    newPasswordChecks), {});
  assert.deepEqual(validate({ new_password: "short", new_password_confirmation: "other" }, fields, newPasswordChecks), {
    new_password: "Use at least 8 characters.",
    new_password_confirmation: "The passwords do not match.",
  });
  assert.equal(newPasswordChecks.new_password_confirmation({ new_password: "x" }), "Enter the same password again.");
});
