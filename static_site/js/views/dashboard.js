// Dashboard: greeting, the "check your mail" step while the address is not confirmed, a new
// upload (picker, camera, drag and drop, paste, or for recordings the microphone; or a file
// dropped on the start page; or a link pasted), "Continue listening" and the history. The parts
// live in ./dashboard/.

import * as api from "../api.js";
import * as session from "../session.js";
import { announce } from "../dom.js";
import * as firstSteps from "../first-steps.js";
import { takesDocuments } from "../upload.js";
import { mountContinue } from "./dashboard/continue.js";
import { mountHistory } from "./dashboard/history.js";
import { mountKinds, showKind } from "./dashboard/kinds.js";
import { mountLanguage } from "./dashboard/language.js";
import { mountLink } from "./dashboard/link.js";
import { mountPack } from "./dashboard/pack.js";
import { mountRecorder } from "./dashboard/recorder.js";
import { listenForFiles } from "./dashboard/sources.js";
import { mountUpload } from "./dashboard/upload.js";
import { mountVerifyStep } from "./dashboard/verify.js";
import { mountVoice } from "./dashboard/voice.js";

export default {
  name: "dashboard",
  title: "Your files",
  template: "tpl-dashboard",
  requiresAuth: true,

  mount(root, { signal, navigate }) {
    showName(root);
    const verifyStep = mountVerifyStep(root, { signal, justSignedUp: firstSteps.takeSignedUp() });
    // Refresh the name (and check the session) in the background.
    api.me({ signal }).then((user) => {
      if (!user) return;
      session.setUser(user);
      showName(root);
      verifyStep.show(user);
      voice.mine(user.voices);
    }).catch(() => { /* 401 is handled globally; other failures keep the stored name */ });

    const voice = mountUploads(root, { signal, navigate });
    const listening = mountContinue(root);
    mountHistory(root, { signal, onJobs: listening.show });
  },
};

function showName(root) {
  const user = session.getUser();
  root.querySelector("#user-name").textContent = user?.name || "there";
}

/** The kind chooser, the recorder and the document pack, all feeding one upload; returns the voice choice. */
function mountUploads(root, { signal, navigate }) {
  const errorEl = root.querySelector("#upload-error");
  const status = root.querySelector("#upload-status");
  const language = mountLanguage(root, { signal, onChange: () => voice.refill() });
  const voice = mountVoice(root, { signal, languageOf: language.current });
  const kinds = mountKinds(root, {
    signal,
    errorEl,
    onChoose(kind) {
      const { documents, audio } = showKind(root, kind);
      voice.offer(kind);
      language.offer(kind);
      if (!documents) pack.close();
      recorder.offer(audio);
      link.offer(kind);
    },
  });
  const kindOf = kinds.current;
  const recorder = mountRecorder(root, { signal, kindOf, upload: (file) => upload.start(file), errorEl, status });
  const pack = mountPack(root, { signal, kindOf, upload: (file) => upload.start(file, { fromPack: true }),
    errorEl, status, busy: () => upload.busy() });
  const upload = mountUpload(root, {
    signal, navigate, ready: kinds.ready, kindOf, languageOf: language.current, voice, errorEl, status, recorder, pack,
  });
  // Or an address the worker fetches: no file to send, the same language and voice.
  const link = mountLink(root, {
    signal, navigate, ready: kinds.ready, kindOf, languageOf: language.current, voice, status, uploading: () => upload.busy(),
  });

  // One file is uploaded; several photos become one document (when the kind reads documents).
  function chosen(files) {
    if (files.length > 1 && takesDocuments(kindOf())) pack.open(files);
    else if (files.length > 1) {
      announce("Only the first photo is read.");
      upload.start(files[0]);
    } else if (files[0]) upload.start(files[0]);
  }

  listenForFiles(root, {
    signal,
    onFiles: (files) => kinds.ready.then(() => chosen(files), () => {}),
    onPaste: (file) => upload.start(file),
  });

  // Files dropped on the start page (before signing in, or on the way here) are read now, as
  // the kind that reads them.
  const brought = firstSteps.takeFiles();
  if (brought.length) {
    kinds.ready.then(() => {
      if (signal.aborted) return;
      kinds.chooseFor(brought[0]);
      chosen(brought);
    }, () => {});
  }
  return voice;
}
