// Recording from the microphone in the browser (MediaRecorder), with a live sound level (Web
// Audio AnalyserNode). The result is a File to upload like a chosen one.

// What to record in, best first: Opus in WebM (Chromium, Firefox), Opus in Ogg, then AAC in MP4
// (Safari). The API accepts each of these (GET /kinds of `speech`).
const TYPES = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4;codecs=mp4a.40.2",
  "audio/mp4", "audio/aac"];
const ENDINGS = { "audio/webm": ".webm", "video/webm": ".webm", "audio/ogg": ".ogg", "audio/mp4": ".m4a",
  "video/mp4": ".m4a", "audio/aac": ".aac" };

export class RecorderError extends Error {
  constructor(message) {
    super(message);
    this.name = "RecorderError";
  }
}

export function canRecord() {
  return Boolean(navigator.mediaDevices?.getUserMedia && window.MediaRecorder);
}

/** The first type this browser records that the kind accepts ("" lets the browser choose). */
export function pickType(accepted = []) {
  const supported = TYPES.filter((t) => !MediaRecorder.isTypeSupported || MediaRecorder.isTypeSupported(t));
  return supported.find((t) => !accepted.length || accepted.includes(baseType(t))) || "";
}

export const baseType = (type) => String(type || "").split(";")[0].trim().toLowerCase();

/** A sentence for why the microphone could not be used. */
function microphoneMessage(error) {
  switch (error?.name) {
    case "NotAllowedError":
    case "PermissionDeniedError":
    case "SecurityError":
      return "PageVoice may not use the microphone. Allow it for this site in your browser's settings " +
        "(the camera or lock icon by the address), then press Record again. You can also choose a recording file.";
    case "NotFoundError":
    case "DevicesNotFoundError":
    case "OverconstrainedError":
      return "No microphone was found. Connect one and press Record again, or choose a recording file.";
    case "NotReadableError":
    case "TrackStartError":
    case "AbortError":
      return "The microphone could not be started: another app may be using it. Close that app and try again.";
    default:
      return `The microphone could not be used${error?.message ? ` (${error.message})` : ""}. Try again, or choose a recording file.`;
  }
}

/**
 * Start recording. Resolves to a running recording once the microphone is on:
 * { stop() -> Promise<File>, cancel(), type }. Calls onLevel(0..1) about 20 times a second and
 * onLimit(reason) when a limit stops it (then stop() gives what was recorded).
 */
export async function startRecording({ accepted = [], maxBytes = Infinity, maxSeconds = Infinity,
  onLevel = () => {}, onLimit = () => {} } = {}) {
  if (!canRecord()) {
    throw new RecorderError(window.isSecureContext === false
      ? "Recording needs a secure (https) page. Choose a recording file instead."
      : "This browser cannot record sound. Choose a recording file instead.");
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch (error) {
    throw new RecorderError(microphoneMessage(error));
  }

  const wanted = pickType(accepted);
  const recorder = makeRecorder(stream, wanted);

  const chunks = [];
  let bytes = 0;
  let stopped = false;
  let limited = null;
  recorder.addEventListener("dataavailable", (event) => {
    if (!event.data || !event.data.size) return;
    chunks.push(event.data);
    bytes += event.data.size;
    // Leave room for the last chunk: stop a little under the limit.
    if (!limited && bytes > maxBytes * 0.95) limit("size");
  });

  const meter = measureLevel(stream, onLevel);

  const started = performance.now();
  const secondsTimer = Number.isFinite(maxSeconds)
    ? setTimeout(() => limit("time"), Math.max(1, maxSeconds) * 1000) : 0;

  function limit(reason) {
    limited = reason;
    onLimit(reason);
  }

  function release() {
    meter.stop();
    clearTimeout(secondsTimer);
    stream.getTracks().forEach((t) => t.stop());
  }

  recorder.start(1000); // a chunk a second, so the size limit is watched as it grows

  return {
    type: recorder.mimeType || wanted,
    elapsed: () => (performance.now() - started) / 1000,
    stop() {
      return new Promise((resolve, reject) => {
        if (stopped) { reject(new RecorderError("The recording has already stopped.")); return; }
        stopped = true;
        recorder.addEventListener("stop", () => {
          release();
          const type = baseType(recorder.mimeType || wanted || chunks[0]?.type) || "audio/webm";
          const blob = new Blob(chunks, { type });
          if (!blob.size) {
            reject(new RecorderError("Nothing was recorded. Check the microphone and try again."));
            return;
          }
          const stamp = new Date().toISOString().replace(/\..*$/, "").replace(/[:T]/g, "-");
          resolve(new File([blob], `recording-${stamp}${ENDINGS[type] || ".webm"}`, { type }));
        }, { once: true });
        if (recorder.state === "inactive") recorder.dispatchEvent(new Event("stop"));
        else recorder.stop();
      });
    },
    cancel() {
      if (stopped) return;
      stopped = true;
      try {
        if (recorder.state !== "inactive") recorder.stop();
      } catch { /* already stopped */ }
      release();
    },
  };
}

function makeRecorder(stream, wanted) {
  try {
    return new MediaRecorder(stream, wanted ? { mimeType: wanted } : undefined);
  } catch {
    try {
      return new MediaRecorder(stream);
    } catch (error) {
      stream.getTracks().forEach((t) => t.stop());
      throw new RecorderError(`This browser could not start recording (${error.message}). Choose a recording file instead.`);
    }
  }
}

/** The microphone's level given to onLevel 20 times a second (Web Audio). Returns {stop()}. */
function measureLevel(stream, onLevel) {
  let audioContext = null;
  let levelTimer = 0;
  try {
    const Context = window.AudioContext || window.webkitAudioContext;
    audioContext = new Context();
    const source = audioContext.createMediaStreamSource(stream);
    const analyser = audioContext.createAnalyser();
    analyser.fftSize = 1024;
    source.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    levelTimer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      onLevel(levelOf(samples));
    }, 50);
    if (audioContext.state === "suspended") audioContext.resume().catch(() => {});
  } catch {
    onLevel(0); // no level meter; recording still works
  }
  return {
    stop() {
      clearInterval(levelTimer);
      audioContext?.close().catch(() => {});
    },
  };
}

/** Samples (-1..1) to a level 0..1: their RMS in decibels, -60 dB .. 0 dB. */
export function levelOf(samples) {
  let sum = 0;
  for (const s of samples) sum += s * s;
  const rms = Math.sqrt(sum / samples.length);
  const db = rms > 0 ? 20 * Math.log10(rms) : -100;
  return Math.max(0, Math.min(1, (db + 60) / 60));
}
