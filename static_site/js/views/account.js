// The account page: who you are and whether your address is verified, the password, the voice
// for each language, the podcast feed, signing out everywhere, how long files are kept, an export
// of everything, and deleting it all.
// Each part lives in ./account/.

import * as api from "../api.js";
import * as session from "../session.js";
import { setBusy, showMessage } from "../dom.js";
import { mountDelete } from "./account/delete.js";
import { mountExport } from "./account/export.js";
import { mountFeed } from "./account/feed.js";
import { mountPassword } from "./account/password.js";
import { mountProfile } from "./account/profile.js";
import { mountRetention } from "./account/retention.js";
import { mountVoices } from "./account/voices.js";

export const SIGNED_OUT_EVERYWHERE = "You were signed out everywhere, on this device too. Log in again to continue.";

export default {
  name: "account",
  title: "Your account",
  template: "tpl-account",
  requiresAuth: true,

  mount(root, { signal, navigate }) {
    const profile = mountProfile(root, { signal });
    const retention = mountRetention(root, { signal });
    const voices = mountVoices(root, { signal });
    const feed = mountFeed(root, { signal });
    profile.show(session.getUser(), { partial: true });
    api.me({ signal }).then((user) => {
      session.setUser(user);
      profile.show(user);
      retention.show(user.retention_days);
      voices.show(user);
      feed.show(user.feed_url);
    }).catch((error) => {
      if (!signal.aborted && !error.handled) showMessage(root.querySelector("#account-error"), error.message);
    });

    mountPassword(root, { signal });
    mountSignOutEverywhere(root, { signal, navigate });
    mountExport(root, { signal });
    mountDelete(root, { signal, navigate });
  },
};

function mountSignOutEverywhere(root, { signal, navigate }) {
  const button = root.querySelector("#logout-everywhere");
  const errorEl = root.querySelector("#logout-everywhere-error");
  button.addEventListener("click", async () => {
    showMessage(errorEl, "");
    setBusy(button, true, "Signing out…");
    try {
      await api.logoutEverywhere({ signal });
    } catch (error) {
      if (signal.aborted || error.handled) return;
      setBusy(button, false);
      showMessage(errorEl, error.message);
      return;
    }
    session.clear();
    session.setFlash(SIGNED_OUT_EVERYWHERE);
    navigate("#/login");
  }, { signal });
}
