// Who spoke (CONTRACTS section 17) in the exports made in the browser (subtitles.js) and in the
// pure speaker helpers (speakers.js): voice tags, escaping, cues split at a change of speaker,
// names in .srt and .txt, and the files of a one-voice result exactly as before.
import { test } from "node:test";
import assert from "node:assert/strict";

import { cues, toSrt, toText, toVtt } from "../../static_site/js/result/subtitles.js";
import {
  colourOf, displayName, hasSpeakers, labelText, nameProblem, namesOf, speakerRows,
} from "../../static_site/js/result/speakers.js";
import { paragraphs } from "../../static_site/js/result/transcript.js";

const words = (start, texts, speaker) => texts.map((text, i) => ({
  text, start: start + i * 0.5, end: start + i * 0.5 + 0.4, ...(speaker ? { speaker } : {}),
}));
const seg = (start, end, texts, speaker) => ({
  start, end, text: texts.join(" "), words: words(start, texts, speaker), ...(speaker ? { speaker } : {}),
});

/** The same segments as a one-voice result has them: no `speaker` anywhere. */
const unlabelled = (segments) => segments.map((s) => {
  const out = { ...s, words: (s.words || []).map((w) => ({ ...w })) };
  delete out.speaker;
  for (const w of out.words) delete w.speaker;
  return out;
});

const meeting = [
  seg(0.7, 3.0, ["Good", "morning."], "S1"),
  seg(3.7, 6.0, ["Thank", "you."], "S2"),
  seg(6.2, 8.0, ["Three", "things."], "S2"),
  seg(8.7, 10.0, ["Go", "ahead."], "S1"),
];
const speakers = [{ id: "S1", name: null, seconds: 3.6 }, { id: "S2", name: null, seconds: 4.1 }];

test("WebVTT cues carry voice tags: the name given, else 'Speaker N'", () => {
  const names = { S2: "Ada" };
  assert.equal(toVtt(meeting, names), "WEBVTT\n\n"
    + "1\n00:00:00.700 --> 00:00:03.000\n<v Speaker 1>Good morning.\n\n"
    + "2\n00:00:03.700 --> 00:00:06.000\n<v Ada>Thank you.\n\n"
    + "3\n00:00:06.200 --> 00:00:08.000\n<v Ada>Three things.\n\n"
    + "4\n00:00:08.700 --> 00:00:10.000\n<v Speaker 1>Go ahead.\n");
});

test("a name's and a word's <, > and & are escaped in WebVTT; .srt and .txt keep them as typed", () => {
  const segments = [seg(0, 2, ["1<2", "&", "3>2"], "S1")];
  const names = { S1: "Bob <The> & Co" };
  assert.equal(toVtt(segments, names),
    "WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.000\n<v Bob &lt;The&gt; &amp; Co>1&lt;2 &amp; 3&gt;2\n");
  assert.equal(toSrt(segments, names), "1\n00:00:00,000 --> 00:00:02,000\nBob <The> & Co: 1<2 & 3>2\n");
  assert.equal(toText({ segments }, names), "Bob <The> & Co: 1<2 & 3>2\n");
});

test("a cue never spans two speakers: a segment whose words change speaker is split there", () => {
  const mixed = {
    start: 0, end: 4, speaker: "S1", text: "Yes indeed no way",
    words: [...words(0, ["Yes", "indeed"], "S1"), ...words(1.5, ["no", "way"], "S2")],
  };
  const out = cues([mixed], true);
  assert.deepEqual(out.map((c) => [c.speaker, c.text, c.start, c.end]),
    [["S1", "Yes indeed", 0, 0.9], ["S2", "no way", 1.5, 4]]);
  assert.equal(toSrt([mixed], {}),
    "1\n00:00:00,000 --> 00:00:00,900\nSpeaker 1: Yes indeed\n\n2\n00:00:01,500 --> 00:00:04,000\nSpeaker 2: no way\n");
  // The .txt goes by turns, the segments' labels: the segment stays on its speaker's line.
  assert.equal(toText({ segments: [mixed] }, {}), "Speaker 1: Yes indeed no way\n");
});

test("a long segment is still split by length within one speaker, each piece tagged", () => {
  const long = seg(0, 20, Array.from({ length: 40 }, (_, i) => `word${i}`), "S2");
  const out = cues([long], true);
  assert.ok(out.length > 1);
  assert.ok(out.every((c) => c.speaker === "S2" && c.text.length <= 84));
  assert.ok(toVtt([long], { S2: "Ada" }).split("\n").filter((l) => l.startsWith("word")).length === 0);
  assert.equal(toVtt([long], { S2: "Ada" }).match(/<v Ada>/g).length, out.length);
});

test(".srt lines start with the speaker's name; .txt is a line per turn", () => {
  const names = { S2: "Ada" };
  assert.match(toSrt(meeting, names), /^2\n00:00:03,700 --> 00:00:06,000\nAda: Thank you\.$/m);
  assert.equal(toText({ segments: meeting }, names),
    "Speaker 1: Good morning.\nAda: Thank you. Three things.\nSpeaker 1: Go ahead.\n");
});

test("without speakers the files are byte for byte as before (no names given, no labels)", () => {
  const plain = unlabelled(meeting);
  const before = {
    srt: "1\n00:00:00,700 --> 00:00:03,000\nGood morning.\n\n2\n00:00:03,700 --> 00:00:06,000\nThank you.\n\n"
      + "3\n00:00:06,200 --> 00:00:08,000\nThree things.\n\n4\n00:00:08,700 --> 00:00:10,000\nGo ahead.\n",
    txt: "Good morning.\nThank you.\nThree things.\nGo ahead.\n",
  };
  assert.equal(toSrt(plain), before.srt);
  assert.equal(toVtt(plain), `WEBVTT\n\n${before.srt.replace(/(\d),(\d)/g, "$1.$2")}`);
  assert.equal(toText({ segments: plain }), before.txt);
  // Labels present but no names asked for (a result without `speakers`): still as before.
  assert.equal(toSrt(meeting), before.srt);
  assert.equal(toText({ segments: meeting }), before.txt);
  assert.deepEqual(cues(meeting)[0], { start: 0.7, end: 3, text: "Good morning." });
  // Markup in a word is left as it was (old files unchanged), as is the empty file.
  assert.equal(toVtt([{ start: 0, end: 1, text: "a<b" }]), "WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.000\na<b\n");
  assert.equal(toVtt([]), "WEBVTT\n");
});

test("speakers: labels, names from the list and the job's speaker_names, colours, rows", () => {
  assert.equal(labelText("S2"), "Speaker 2");
  assert.equal(labelText("S10"), "Speaker 10");
  assert.equal(hasSpeakers({ speakers }), true);
  assert.equal(hasSpeakers({}), false);
  assert.equal(hasSpeakers({ speakers: [] }), false);
  const result = { speakers: [{ id: "S1", name: " Bo  ", seconds: 1 }, { id: "S2", name: null, seconds: 2 }] };
  assert.deepEqual(namesOf(result, { S2: "Ada" }), { S1: "Bo", S2: "Ada" });
  assert.deepEqual(namesOf(result, { S1: null }), {}); // null clears
  assert.deepEqual(namesOf(result, undefined), { S1: "Bo" });
  assert.equal(displayName("S2", { S2: "Ada" }), "Ada");
  assert.equal(displayName("S2", {}), "Speaker 2");
  assert.deepEqual(speakerRows(result, namesOf(result, { S2: "Ada" })), [
    { id: "S1", name: "Bo", seconds: 1, label: "Bo" }, { id: "S2", name: "Ada", seconds: 2, label: "Ada" }]);
  assert.equal(colourOf("S2", speakers), 2);
  assert.equal(colourOf("S9", []), 1); // the ninth takes the first colour again
});

test("a name is checked before it is sent: empty (unless clearing), too long", () => {
  assert.equal(nameProblem("Ada"), "");
  assert.equal(nameProblem("   "), "Type a name first.");
  assert.equal(nameProblem("", { hadName: true }), ""); // clears the name
  assert.equal(nameProblem("x".repeat(80)), "");
  assert.match(nameProblem("x".repeat(81)), /at most 80 characters/);
  assert.equal(nameProblem("😀".repeat(80)), ""); // characters, not UTF-16 units
});

test("a change of speaker (the segments' labels) starts a paragraph; one voice's are as before", () => {
  const marked = meeting.map((s, i) => ({ ...s, paragraph: i === 0 }));
  assert.deepEqual(paragraphs(marked).map((p) => p.length), [1, 2, 1]);
  const oneVoice = unlabelled(marked);
  assert.deepEqual(paragraphs(oneVoice).map((p) => p.length), [4]);
});
