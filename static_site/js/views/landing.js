// The start page: what PageVoice does, and the way in (and a one-time message, as after deleting the account).

import * as session from "../session.js";
import { showFlash } from "../dom.js";

export default {
  name: "landing",
  title: "Hear the words in your photos and documents",
  template: "tpl-landing",

  mount(root) {
    showFlash(root.querySelector("#landing-message"), session.takeFlash()); // e.g. the account was deleted
    const signedIn = session.isSignedIn();
    for (const el of root.querySelectorAll("[data-when]")) {
      el.hidden = (el.dataset.when === "signed-in") !== signedIn;
    }
  },
};
