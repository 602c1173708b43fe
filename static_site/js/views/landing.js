// The start page: what PageVoice does, and the way in.

import * as session from "../session.js";

export default {
  name: "landing",
  title: "Hear the words in your photos and documents",
  template: "tpl-landing",

  mount(root) {
    const signedIn = session.isSignedIn();
    for (const el of root.querySelectorAll("[data-when]")) {
      el.hidden = (el.dataset.when === "signed-in") !== signedIn;
    }
  },
};
