// "Paste a link" (reading by link, CONTRACTS section 18), the pure part: the address checked as
// the API checks its form (http or https, no user name or password) before anything is sent, and
// the POST /uploads body. Apart from the DOM so that it can be tested under node.

/** The kinds a link is read as (the API refuses the others): documents and recordings. */
export const LINK_KINDS = ["page", "speech"];

/** Whether the chosen kind (a row of GET /kinds) reads links. */
export const readsLinks = (kind) => LINK_KINDS.includes(kind?.name);

/** The hint under the field, by the kind chosen. */
export function linkHint(kind) {
  return kind?.name === "speech"
    ? "The address of a recording on the open internet, starting with https:// or http://."
    : "The address of a web page, a PDF or an e-book on the open internet, starting with https:// or http://.";
}

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/**
 * `{url}` (trimmed, as typed) when `text` is an address PageVoice can be asked to read, else
 * `{error}`: the sentence to show beside the field.
 */
export function checkLink(text) {
  const url = String(text ?? "").trim();
  if (!url) return { error: "Paste the address of a page, starting with https:// or http://." };
  if (!/^https?:\/\//i.test(url)) {
    const hostAndPort = /^[^:/]+:\d/.test(url); // "example.org:8080/x": no scheme at all
    const scheme = hostAndPort ? null : SCHEME.exec(url)?.[1];
    if (scheme && !/^https?$/i.test(scheme)) {
      return { error: `PageVoice reads only web addresses, starting with https:// or http://, not ${scheme.toLowerCase()}: ones.` };
    }
    const example = !scheme && url.length <= 60 && !/\s/.test(url) ? `, as in https://${url.replace(/^\/+/, "")}` : "";
    return { error: `Start the address with https:// or http://${example}.` };
  }
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return { error: "That is not a web address PageVoice can read. Check it and paste it again." };
  }
  if (!parsed.hostname) return { error: "That address names no site. Check it and paste it again." };
  if (parsed.username || parsed.password) {
    return { error: "Leave the user name and password out of the address: PageVoice reads only pages anyone can open." };
  }
  return { url };
}

/** POST /uploads' body for a link: the kind when it reads links, the language and voice chosen. */
export function linkRequest({ url, kind, language, voice }) {
  const body = { url };
  if (readsLinks(kind)) body.kind = kind.name;
  if (language) body.language = language;
  if (voice) body.voice = voice;
  return body;
}
