// The camera and the worker: each new camera frame goes to the worker when it is free, and is
// dropped when it is busy (never queued: a queue would make what is said ever later).

const ASSETS = new URL("../../live-assets/", import.meta.url).href;

export class Reader {
  /** `onResult(result, frame)`: each frame read ({ boxes, stats, timings }; frame: { t, done });
   *  `plan()`: { known, confirm } for the next frame: the lines said and in view (the worker
   *  does not read them again where it finds them at the same place), and the boxes of new
   *  lines to read again at the same place (a second look, without detection), or null. */
  constructor({ video, onResult, onError, plan = () => ({ known: [], confirm: null }) }) {
    this.video = video;
    this.plan = plan;
    this.onResult = onResult;
    this.onError = onError;
    this.worker = null;
    this.stream = null;
    this.busy = false;
    this.running = false;
    this.counts = { frames: 0, dropped: 0, read: 0 };
    this.lags = [];
    this.id = 0;
  }

  /** Loads the models in the worker (once); resolves with { threads, ms }. `tuning`: the
   *  detector's side and the recogniser's budgets, when a benchmark sets them. */
  load({ side, budget, confirmBudget } = {}) {
    if (this.loading) return this.loading;
    this.worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    this.loading = new Promise((resolve, reject) => {
      this.worker.onmessage = (event) => {
        const msg = event.data;
        if (msg.type === "ready") resolve(msg);
        else if (msg.type === "error" && msg.id === undefined) reject(new Error(msg.message));
        else this.received(msg);
      };
      this.worker.onerror = (event) => reject(new Error(event.message || "the reader could not start"));
    });
    this.worker.postMessage({ type: "init", base: ASSETS, threads: Math.min(4, navigator.hardwareConcurrency || 2), side, budget, confirmBudget });
    this.loading.catch(() => { this.loading = null; });
    return this.loading;
  }

  async openCamera() {
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: "environment" }, width: { ideal: 960 }, height: { ideal: 540 } },
    });
    this.video.srcObject = this.stream;
    await this.video.play();
  }

  start() {
    this.running = true;
    this.busy = false;
    this.pump();
  }

  pump() {
    if (!this.running) return;
    if (this.video.requestVideoFrameCallback) this.video.requestVideoFrameCallback(() => this.frame());
    else this.timer = setTimeout(() => this.frame(), 100);
  }

  frame() {
    if (!this.running) return;
    this.counts.frames += 1; // camera frames; those not read were dropped (never queued)
    this.counts.dropped = Math.max(0, this.counts.frames - this.counts.read);
    if (!this.busy) this.send();
    this.pump();
  }

  async send() {
    if (!this.running || this.busy || !this.video.videoWidth) return;
    this.busy = true;
    const t = performance.now();
    try {
      const bitmap = await createImageBitmap(this.video);
      this.id += 1;
      this.worker.postMessage({ type: "frame", bitmap, id: this.id, t, ...this.plan() }, [bitmap]);
    } catch {
      this.busy = false;
    }
  }

  received(msg) {
    this.busy = false;
    if (!this.running) return;
    if (msg.type === "error") { this.onError(new Error(msg.message)); return; }
    this.counts.read += 1;
    const done = performance.now();
    this.lags.push(done - msg.t);
    if (this.lags.length > 200) this.lags.shift();
    this.onResult(msg, { t: msg.t, done });
    // The frame on screen now goes at once: a frame is read in a few tenths of a second, so it
    // is a newer one than the last read (waiting for the next would add up to a frame's time).
    this.send();
  }

  /** The current frame as a JPEG file (for the full reading). */
  async snapshot() {
    const canvas = document.createElement("canvas");
    canvas.width = this.video.videoWidth;
    canvas.height = this.video.videoHeight;
    canvas.getContext("2d").drawImage(this.video, 0, 0);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.92));
    return new File([blob], "live-photo.jpg", { type: "image/jpeg" });
  }

  stop() {
    this.running = false;
    clearTimeout(this.timer);
    for (const track of this.stream?.getTracks() || []) track.stop();
    this.stream = null;
    this.video.srcObject = null;
  }

  close() {
    this.stop();
    this.worker?.terminate();
    this.worker = null;
    this.loading = null;
  }
}
