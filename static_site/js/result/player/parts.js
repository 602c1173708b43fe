// The recording's parts as a list in time ({file, start, seconds, url}): pure, no elements.

/** The index of the part playing at time `t` (the last part that starts at or before it). */
export function partAt(parts, t) {
  let i = 0;
  while (i + 1 < parts.length && parts[i + 1].start <= t + 1e-6) i += 1;
  return i;
}

/**
 * Takes in the parts made so far (the whole list each time, in order): fills in URLs and
 * lengths that were missing and appends new parts that have a URL. Returns how many were added.
 */
export function mergeParts(parts, list) {
  const before = parts.length;
  list.forEach((part, i) => {
    if (i < parts.length) {
      if (!parts[i].url && part.url) parts[i].url = part.url;
      if (part.seconds > 0) parts[i].seconds = part.seconds;
    } else if (part.url) {
      parts.push({ ...part });
    }
  });
  return parts.length - before;
}

/** The end of the last part; `measured()` gives its length from the audio when not declared. */
export function endOf(parts, measured = () => 0) {
  if (!parts.length) return 0;
  const last = parts[parts.length - 1];
  return last.start + (last.seconds > 0 ? last.seconds : measured());
}
