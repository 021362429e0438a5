// The guided session player.
//
// Reads the session from <script id="session-data">, times one step at a time, shows
// and speaks the cues, beeps softly at the end of each step, and saves progress through
// the JSON API as it goes, so closing the tab keeps everything done so far.
//
// Floor mode: while a step runs the player fills the screen (the Fullscreen API when the
// browser allows it, otherwise the whole page), readable from 1.5 m, with the controls in
// rows of their own.
//
// What is said follows each step's `script` (backease.core.script, docs in INTERFACES):
// lines in a get-ready ("prepare") phase and a "hold" phase, each at its time. A must-hear
// line is never cut: anything said while one is being spoken waits for it, and a line that
// may be missed is dropped rather than said over one. The hold's timer starts only once the
// must-hear get-ready lines have been said at the person's speech rate: at a slower rate the
// get-ready waits, showing "Get ready".
//
// Time comes only from performance.now() and setTimeout/setInterval (no clock of our own),
// so browser tests can drive it with Playwright's clock API. Everything spoken goes through
// the speech queue below, which also shows it on the caption line; tests replace
// window.speechSynthesis with a model that takes time to speak and can be cancelled. Speech,
// sound, full screen and the screen wake lock are extras: where a browser lacks them, the
// player works without them.

const LEVELS = ["gentle", "moderate", "firm"];
const TICK_MS = 250;
const SAVE_EVERY_S = 5;
const SWITCH_BANNER_MS = 5000;
const NOTE_MS = 12000; // how long the "too much" note stays
const KINDS = {
  warm_up: "Warm-up",
  self_massage: "Self-massage",
  trigger_point: "Trigger-point release",
  stretch: "Stretch",
  mobility: "Mobility",
  relaxation: "Relaxation",
};
const SIDES = { left: "Left side", right: "Right side", both: "Both sides" };

const $ = (id) => document.getElementById(id);
const data = JSON.parse($("session-data").textContent);
const steps = data.steps;
const api = data.urls.api;
// Speech rates: the script's times are at default_wps, which is the player's default rate
// (default_rate); a person's rate r speaks at default_wps * r / default_rate.
const speech = data.speech;

const state = {
  screen: "before", // before | step | after | ended
  index: 0,
  running: false,
  elapsedMs: 0, // time done on this step before the current run
  runStart: 0, // performance.now() when the current run began
  savedSeconds: 0, // seconds_done last sent for this step
  switched: false,
  said: new Set(), // indexes of this step's script lines already said or dropped
  lead: 0, // ms of get-ready before this step's hold (planned at the person's rate)
  holding: false, // the hold has started (its timer runs)
  endedEarly: false,
  timer: null,
  plan: [], // this step's script lines, planned at the person's rate (planStep)
};

// --- preferences (saved in localStorage) ----------------------------------------------------

function readItem(name) {
  try {
    return window.localStorage.getItem(`backease.${name}`);
  } catch {
    return null;
  }
}

function writeItem(name, value) {
  try {
    window.localStorage.setItem(`backease.${name}`, String(value));
  } catch {
    // Private browsing can refuse storage; the setting still works for this page.
  }
}

function readPref(name) {
  return readItem(name) !== "off";
}

function writePref(name, on) {
  writeItem(name, on ? "on" : "off");
}

function readNumber(name, fallback, low, high) {
  const value = Number.parseFloat(readItem(name));
  return Number.isFinite(value) && value >= low && value <= high ? value : fallback;
}

const prefs = {
  speech: readPref("speech"),
  beep: readPref("beep"),
  fullscreen: readPref("fullscreen"),
  voice: readItem("voice") || "",
  rate: readNumber("rate", speech.default_rate, speech.slowest_rate, 1.5),
  volume: readNumber("volume", 1, 0.1, 1),
};

// --- a local copy of progress ---------------------------------------------------------------
// Written whenever the page is hidden or closed, and merged on load, so a page reopened
// before its last save reached the server still resumes where it was.

const localKey = `backease.session.${data.id}`;

function keepLocalCopy() {
  try {
    const copy = steps.map((s) => [s.seconds_done, s.skipped, s.intensity, s.feedback]);
    window.localStorage.setItem(localKey, JSON.stringify(copy));
  } catch {
    // No storage: the server copy is still there.
  }
}

function forgetLocalCopy() {
  try {
    window.localStorage.removeItem(localKey);
  } catch {
    // nothing stored
  }
}

function mergeLocalCopy() {
  let copy = null;
  try {
    copy = JSON.parse(window.localStorage.getItem(localKey) || "null");
  } catch {
    copy = null;
  }
  if (!Array.isArray(copy) || copy.length !== steps.length) return;
  copy.forEach(([done, skipped, intensity, feedback], i) => {
    const step = steps[i];
    const fields = {};
    if (Number.isInteger(done) && done > step.seconds_done && done <= step.seconds) {
      fields.seconds_done = done;
    }
    if (skipped === true && !step.skipped) fields.skipped = true;
    if (LEVELS.indexOf(intensity) >= 0 && LEVELS.indexOf(intensity) < LEVELS.indexOf(step.intensity)) {
      fields.intensity = intensity;
    }
    if (feedback === "too_much" && !step.feedback) fields.feedback = feedback;
    if (Object.keys(fields).length) {
      Object.assign(step, fields);
      saveStep(i, fields);
    }
  });
}

// --- speech, beeps, screen wake lock, screen-reader announcements ----------------------------

const canSpeak = "speechSynthesis" in window && typeof window.SpeechSynthesisUtterance === "function";
const AudioContextClass = window.AudioContext || window.webkitAudioContext;
const canWakeLock = "wakeLock" in navigator;
let audio = null;
let wakeLock = null;

function pickVoice() {
  if (!prefs.voice || !canSpeak) return null;
  try {
    return window.speechSynthesis.getVoices().find((v) => v.voiceURI === prefs.voice) || null;
  } catch {
    return null;
  }
}

// --- the speech queue --------------------------------------------------------------------------
// One utterance at a time is handed to the browser; the rest wait here, so the player knows
// what is being said and what waits, and can drop a waiting line that may be missed. An
// utterance is over at its "end" (or "error") event; an engine that never says it started
// is taken to be silent and the line over after its estimated time; one that started and
// never ends is taken to be over well after it should have (so nothing waits for ever).

const talk = { current: null, queue: [], interrupted: null };
let captionTimers = [];

function wordCount(text) {
  return String(text).split(/\s+/).filter(Boolean).length;
}

function secondsAtRate(line) {
  // How long a line takes at the person's rate: its estimate at the default rate, scaled.
  const base = typeof line.speak_seconds === "number" ? line.speak_seconds : wordCount(line.text) / speech.default_wps;
  return (base * speech.default_rate) / prefs.rate;
}

function voiceOn() {
  return prefs.speech && canSpeak;
}

function busy() {
  return Boolean(talk.current || talk.queue.length);
}

function mustHearBusy() {
  return Boolean((talk.current && talk.current.mustHear) || talk.queue.some((u) => u.mustHear));
}

// Shows the words on the caption line (so what is heard can also be read) and, when speech
// is on, queues the line.
//   mustHear: never cut, never dropped
//   onlyIfIdle: a line that may be missed: said only if nothing else is being said
//   interrupt: cut what is being said and waiting first, except must-hear lines
function speak(text, { mustHear = false, onlyIfIdle = false, interrupt = false, caption = true, tag = "" } = {}) {
  text = String(text || "").trim();
  if (!text) return false;
  if (onlyIfIdle && busy()) return false;
  if (interrupt) cutMayMiss();
  const item = { text, mustHear, caption, tag, seconds: secondsAtRate({ text }), started: false };
  if (!voiceOn()) {
    // Nothing is said: the words show for as long as they would take to say.
    if (caption) {
      showCaption(text, item.seconds);
      captionTimers.push(window.setTimeout(clearCaption, item.seconds * 1000 + 1000));
    }
    return true;
  }
  talk.queue.push(item);
  if (!talk.current) next();
  return true;
}

function next() {
  if (talk.current || !talk.queue.length) return;
  const item = talk.queue.shift();
  talk.current = item;
  item.handedAt = performance.now();
  const done = () => finished(item);
  try {
    const utterance = new window.SpeechSynthesisUtterance(item.text);
    utterance.rate = prefs.rate;
    utterance.volume = prefs.volume;
    const voice = pickVoice();
    if (voice) {
      try {
        utterance.voice = voice;
        utterance.lang = voice.lang;
      } catch {
        // A voice the browser no longer offers: its usual voice speaks instead.
      }
    }
    utterance.addEventListener("start", () => {
      item.started = true;
      if (item.caption) showCaption(item.text, item.seconds);
    });
    utterance.addEventListener("end", done);
    utterance.addEventListener("error", done);
    item.utterance = utterance;
    if (item.caption) showCaption(item.text, item.seconds);
    window.speechSynthesis.speak(utterance);
  } catch {
    // Speaking is an extra; the screen shows every line.
    finished(item);
    return;
  }
  // The watchdog: a silent engine (never started) is over after the estimate; one that
  // started and went quiet, well after.
  const ms = item.seconds * 1000;
  item.silentTimer = window.setTimeout(() => {
    if (!item.started) finished(item);
  }, ms + 500);
  item.stuckTimer = window.setTimeout(done, 2 * ms + 5000);
}

function finished(item) {
  if (talk.current !== item) return;
  window.clearTimeout(item.silentTimer);
  window.clearTimeout(item.stuckTimer);
  talk.current = null;
  if (!talk.queue.length) clearCaption();
  next();
}

function clearCaption() {
  // Quiet again: the caption goes, and a get-ready's cue is its short set-up again.
  captionTimers.forEach((t) => window.clearTimeout(t));
  captionTimers = [];
  $("caption").hidden = true;
  $("caption").textContent = "";
  if (state.screen === "step" && !state.holding) showCue(readyCue(steps[state.index]));
}

function cutMayMiss() {
  // Drop waiting lines that may be missed, and stop the one being said if it may be.
  talk.queue = talk.queue.filter((u) => u.mustHear);
  if (talk.current && !talk.current.mustHear) {
    const item = talk.current;
    stopEngine();
    finished(item);
  }
}

function stopEngine() {
  if (!canSpeak) return;
  try {
    window.speechSynthesis.cancel();
  } catch {
    // nothing to stop
  }
}

function hush({ keep = false } = {}) {
  // Stop everything (the person paused, skipped or left). With `keep`, a must-hear line
  // cut half-way is said again on resuming.
  const item = talk.current;
  talk.interrupted = keep && item && item.mustHear ? item : null;
  talk.queue = [];
  talk.current = null;
  if (item) {
    window.clearTimeout(item.silentTimer);
    window.clearTimeout(item.stuckTimer);
  }
  stopEngine();
}

function say(text) {
  speak(text, { interrupt: true });
}

// What is being said, in pieces short enough to read from the floor: its sentences, a long
// one split at its commas and semicolons.
const PIECE_CHARS = 60;

function split(sentence) {
  if (sentence.length <= PIECE_CHARS) return [sentence];
  const breaks = [...sentence.matchAll(/[,;:]\s/g)].map((m) => m.index + 1);
  if (!breaks.length) return [sentence];
  const middle = sentence.length / 2;
  const at = breaks.reduce((best, b) => (Math.abs(b - middle) < Math.abs(best - middle) ? b : best));
  return [...split(sentence.slice(0, at).trim()), ...split(sentence.slice(at).trim())];
}

function pieces(text) {
  const sentences = String(text).match(/[^.!?]+[.!?]*(\s+|$)/g) || [String(text)];
  return sentences.map((t) => t.trim()).filter(Boolean).flatMap(split);
}

function showCaption(text, seconds = 0) {
  // What is being said shows a piece at a time, at the pace it is said: in the get-ready
  // as the cue itself (large), in the hold on the caption line under the cue, unless the
  // cue already shows it ("Go. Lean back..." shows "Go.").
  captionTimers.forEach((t) => window.clearTimeout(t));
  captionTimers = [];
  const inReady = state.screen === "step" && !state.holding;
  const el = inReady ? $("cue") : $("caption");
  const cue = $("cue").textContent;
  let rest = String(text || "");
  if (!inReady && cue && rest.includes(cue)) rest = rest.replace(cue, "").trim();
  const parts = rest ? pieces(rest) : [];
  const show = (part) => {
    el.textContent = part;
    if (!inReady) el.hidden = !part;
  };
  if (!parts.length) {
    if (!inReady) show("");
    return;
  }
  if (inReady) $("caption").hidden = true;
  show(parts[0]);
  const words = wordCount(rest) || 1;
  let before = 0;
  parts.forEach((part, i) => {
    if (i > 0) captionTimers.push(window.setTimeout(() => show(part), ((seconds * before) / words) * 1000));
    before += wordCount(part);
  });
}

function unlockAudio() {
  // Browsers only allow sound after a tap, so the context is made on "Begin".
  if (audio || !AudioContextClass) return;
  try {
    audio = new AudioContextClass();
  } catch {
    audio = null;
  }
}

function beep(times = 1) {
  if (!prefs.beep || !audio) return;
  try {
    if (audio.state === "suspended") audio.resume();
    for (let i = 0; i < times; i += 1) {
      const start = audio.currentTime + i * 0.3;
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.value = 660;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.08, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.2);
      osc.connect(gain).connect(audio.destination);
      osc.start(start);
      osc.stop(start + 0.22);
    }
  } catch {
    // Sound is an extra.
  }
}

async function keepAwake() {
  if (!canWakeLock || (wakeLock && !wakeLock.released)) return;
  try {
    wakeLock = await navigator.wakeLock.request("screen");
  } catch {
    wakeLock = null; // refused (battery saver, hidden tab): the session still runs
  }
}

function releaseWakeLock() {
  if (wakeLock) {
    wakeLock.release().catch(() => {});
    wakeLock = null;
  }
}

function announce(text) {
  $("announce").textContent = text;
}

// --- the API -------------------------------------------------------------------------------

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : data.csrf_token;
}

function describe(payload) {
  if (!payload || payload.detail === undefined) return "";
  if (typeof payload.detail === "string") return payload.detail;
  if (Array.isArray(payload.detail)) {
    return payload.detail.map((d) => (d.field ? `${d.field}: ${d.message}` : d.message)).join("; ");
  }
  return "";
}

async function call(method, path, body, keepalive = false, key = "") {
  const headers = { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() };
  // The server applies a write once per key, so sending it again (a retry) is harmless.
  if (key) headers["Idempotency-Key"] = key;
  const response = await fetch(path, {
    method,
    keepalive,
    credentials: "same-origin",
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  if (!response.ok) {
    const error = new Error(describe(payload) || `The server answered ${response.status}.`);
    error.status = response.status;
    error.payload = payload;
    throw error;
  }
  return payload;
}

// Writes go one at a time, in order, so a later save never overtakes an earlier one.
// Each waiting write is kept as data, with its own key, in this device's storage (the
// outbox), so that with no connection they wait and are sent when it is back, and a
// page closed or reloaded offline sends them when it next opens. The server applies
// each key once, so a write sent twice (a retry, or a keepalive copy sent when the page
// was hidden) is stored once (docs/phone.md).
const outboxKey = `backease.outbox.${data.id}`;
const pending = [];
let sending = false;
let offline = false;
let retryTimer = null;
const RETRY_MS = 5000;

function newKey() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
  const random = new Uint32Array(4);
  window.crypto.getRandomValues(random);
  return `${Date.now().toString(36)}-${Array.from(random, (n) => n.toString(36)).join("")}`;
}

function storeOutbox() {
  try {
    const jobs = pending.map(({ method, path, body, key }) => ({ method, path, body, key }));
    if (jobs.length) window.localStorage.setItem(outboxKey, JSON.stringify(jobs));
    else window.localStorage.removeItem(outboxKey);
  } catch {
    // No storage: the writes still wait in memory while the page is open.
  }
}

function restoreOutbox() {
  try {
    const jobs = JSON.parse(window.localStorage.getItem(outboxKey) || "[]");
    for (const job of Array.isArray(jobs) ? jobs : []) {
      if (job && job.method && job.path && job.key) pending.push({ ...job, resolve: null, reject: null });
    }
  } catch {
    // Nothing kept, or unreadable: nothing to send.
  }
}

function enqueue(method, path, body) {
  return new Promise((resolve, reject) => {
    pending.push({ method, path, body, key: newKey(), resolve, reject });
    storeOutbox();
    pump();
  });
}

function setOffline(now) {
  if (offline === now) return;
  offline = now;
  if (now) {
    showSaveStatus("No connection. Your progress is kept on this device and sent when you are back online.");
  } else {
    showSaveStatus("");
  }
  if (state.screen === "after") renderFinishWaiting();
}

function retryLater() {
  if (retryTimer !== null) return;
  retryTimer = window.setTimeout(() => {
    retryTimer = null;
    pump();
  }, RETRY_MS);
}

async function pump() {
  if (sending) return;
  sending = true;
  while (pending.length) {
    const job = pending[0]; // stays at the head of the outbox until the server answers
    let result;
    try {
      result = await call(job.method, job.path, job.body, false, job.key);
    } catch (error) {
      if (error instanceof TypeError) {
        // No connection (or backease is not running): keep the write and try again.
        setOffline(true);
        sending = false;
        retryLater();
        return;
      }
      pending.shift();
      storeOutbox();
      if (job.reject) job.reject(error);
      continue;
    }
    pending.shift();
    storeOutbox();
    setOffline(false);
    if (job.resolve) job.resolve(result);
  }
  sending = false;
}

function sessionIsOver(error) {
  const detail = error && error.payload && error.payload.detail;
  return Array.isArray(detail) && detail.some((d) => d.field === "session");
}

function showSaveStatus(text) {
  const el = $("save-status");
  el.textContent = text;
  el.hidden = !text;
}

function isSafetyStop(error) {
  return Boolean(error && error.payload && error.payload.reason === "safety");
}

// The safety check now says urgent or emergency (answered in another tab, the terminal or
// the API): the server has ended the session. Stop at once, and show why on the summary,
// which gives the safety check's advice.
function stopForSafety() {
  state.screen = "ended";
  state.running = false;
  window.clearInterval(state.timer);
  hush();
  pending.length = 0;
  storeOutbox();
  releaseWakeLock();
  forgetLocalCopy();
  window.location.assign(data.urls.done);
}

// Ask the server whether this session may carry on (an answer of the safety check ends it
// at once; a clinician clearance that ran out ends it at the next save, which the server
// refuses). A question, not a write: with no connection it is simply not asked.
function checkStillRunning() {
  call("GET", api)
    .then((stored) => {
      if (!stored || stored.status === "running") return;
      if (stored.stop_reason === "safety") {
        stopForSafety();
      } else {
        state.screen = "ended"; // finished somewhere else (another tab, the terminal)
        window.location.assign(data.urls.done);
      }
    })
    .catch(() => {});
}

function onSaveError(error) {
  if (isSafetyStop(error)) {
    stopForSafety();
    return;
  }
  if (sessionIsOver(error)) {
    // Finished somewhere else (another tab, the CLI): show its summary.
    state.screen = "ended";
    window.location.assign(data.urls.done);
    return;
  }
  showSaveStatus("Could not save just now. backease will try again in a few seconds.");
}

function stepPath(index) {
  return `${api}/steps/${index}`;
}

function saveStep(index, fields) {
  return enqueue("PUT", stepPath(index), fields)
    .then(() => showSaveStatus(""))
    .catch(onSaveError);
}

// --- time ----------------------------------------------------------------------------------

function elapsedMs() {
  return state.elapsedMs + (state.running ? performance.now() - state.runStart : 0);
}

function secondsDone() {
  // During the get-ready lead-in the elapsed time is negative: nothing done yet.
  const step = steps[state.index];
  return Math.min(step.seconds, Math.floor(Math.max(0, elapsedMs()) / 1000));
}

function progressSeconds() {
  // Never report less than was already stored (going Back restarts a step's timer).
  return Math.max(steps[state.index].seconds_done, secondsDone());
}

function clockText(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}

function shortDuration(seconds) {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  if (m && s) return `${m} min ${s} s`;
  return m ? `${m} min` : `${s} s`;
}

function spokenDuration(seconds) {
  if (seconds <= 90) return `${seconds} seconds`;
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  const minutes = `${m} minute${m === 1 ? "" : "s"}`;
  return s ? `${minutes} ${s} seconds` : minutes;
}

// --- a step's script ------------------------------------------------------------------------
// Lines {phase, at, kind, text, must_hear, speak_seconds} from backease.core.script (the
// server computes them for a plan stored before plans carried them).

function scriptOf(step) {
  return Array.isArray(step.script) ? step.script : [];
}

// When each line is said at the person's rate: a must-hear line at its time or, at a slower
// rate, when the one before has been said; a line that may be missed keeps its time and is
// dropped if it would run into a must-hear line. `lead` is the get-ready's length: its
// planned seconds, or longer while its must-hear lines are still being said.
function planStep(step) {
  const lines = scriptOf(step);
  const planned = lines.map((line, i) => ({ i, line, ms: line.at * 1000, dur: secondsAtRate(line) * 1000, drop: false }));
  let lead = step.prepare_seconds * 1000;
  for (const phase of ["prepare", "hold"]) {
    const inPhase = planned.filter((p) => p.line.phase === phase);
    let cursor = 0;
    const must = inPhase.filter((p) => p.line.must_hear);
    for (const p of must) {
      p.ms = Math.max(p.ms, cursor);
      cursor = p.ms + p.dur;
    }
    for (const p of inPhase.filter((q) => !q.line.must_hear)) {
      p.drop = must.some((m) => p.ms < m.ms + m.dur && m.ms < p.ms + p.dur);
    }
    if (phase === "prepare") lead = Math.max(lead, cursor);
  }
  return { planned, lead: Math.ceil(lead / 1000) * 1000 };
}

// --- showing a step ------------------------------------------------------------------------

function cueFor(step) {
  return (step.variants && step.variants[step.intensity]) || step.cue || "";
}

// What to do now, in a few words: the short set-up while getting ready, then the go line,
// then each cue as it is said. (The full how-to is in the "How to" dialog.)
function readyCue(step) {
  const spoken = step.spoken || {};
  return spoken.setup_short || spoken.setup || cueFor(step);
}

function holdCue(step) {
  const spoken = step.spoken || {};
  return spoken.go || cueFor(step);
}

function showCue(text) {
  $("cue").textContent = text;
}

function isSwitch(from, to) {
  const a = steps[from];
  const b = steps[to];
  return Boolean(a && b && a.technique === b.technique && a.side !== b.side && SIDES[a.side] && SIDES[b.side]);
}

function fillList(el, items) {
  el.replaceChildren(
    ...items.map((text) => {
      const li = document.createElement("li");
      li.textContent = text;
      return li;
    }),
  );
}

function renderIntensity(step) {
  const el = $("intensity");
  el.textContent = `Intensity: ${step.intensity}`;
  el.dataset.intensity = step.intensity;
  const variant = cueFor(step);
  $("how-intensity").textContent = variant ? `At ${step.intensity} intensity: ${variant}` : "";
}

function renderStep() {
  const i = state.index;
  const step = steps[i];
  $("step-count").textContent = `Step ${i + 1} of ${steps.length}`;
  $("step-kind").textContent = KINDS[step.kind] || "";
  $("step-name").textContent = step.name;
  const side = $("step-side");
  side.textContent = SIDES[step.side] || "";
  side.dataset.side = step.side;
  side.hidden = !SIDES[step.side];
  renderIntensity(step);
  const kind = KINDS[step.kind] ? ` (${KINDS[step.kind].toLowerCase()})` : "";
  $("how-title").textContent = `${step.name}${kind}${SIDES[step.side] ? `: ${SIDES[step.side].toLowerCase()}` : ""}`;
  fillList($("how-list"), step.how || []);
  $("breathing").textContent = step.breathing ? `Breathing: ${step.breathing}` : "";
  $("reason").textContent = step.reason ? `Why this step: ${step.reason}` : "";
  fillList($("stop-if"), step.stop_if || []);
  $("stop-if-wrap").hidden = !(step.stop_if && step.stop_if.length);
  $("switch-banner").hidden = !state.switched;
  clearNote();
  $("back").disabled = i === 0;
  const next = steps[i + 1];
  let preview = "Next: rate how you feel.";
  if (next && isSwitch(i, i + 1)) {
    preview = `Next: the other side (${SIDES[next.side].toLowerCase()}).`;
  } else if (next) {
    const nextSide = SIDES[next.side] ? `, ${SIDES[next.side].toLowerCase()}` : "";
    preview = `Next: ${next.name}${nextSide}.`;
  }
  $("next-preview").textContent = preview;
  renderTime();
}

function renderTime() {
  const step = steps[state.index];
  const total = step.seconds * 1000;
  const elapsed = elapsedMs();
  const ready = !state.holding;
  const left = ready ? total : Math.max(0, total - elapsed);
  $("time-left").textContent = ready ? clockText(-elapsed) : clockText(left);
  $("ready-label").hidden = !ready;
  $("player").classList.toggle("is-ready", ready);
  $("progress-bar").style.width = `${(100 * (1 - left / total)).toFixed(1)}%`;
}

function renderPaused() {
  $("pause").textContent = state.running ? "Pause" : "Resume";
  $("paused-label").hidden = state.running;
  $("player").classList.toggle("is-paused", !state.running);
}

function startStep(index, { fromMs = 0, switched = false, carryOn = false, cut = true } = {}) {
  // `cut`: the person moved (Begin, Back, Skip): what is being said stops. Moving on when
  // a step's time is up cuts nothing: a must-hear line still being said is finished first.
  const step = steps[index];
  if (cut) hush();
  else cutMayMiss();
  state.index = index;
  const plan = planStep(step);
  state.plan = plan.planned;
  // A fresh step starts with its get-ready (negative elapsed time); carrying on does not.
  state.lead = fromMs > 0 ? 0 : plan.lead;
  state.elapsedMs = fromMs - state.lead;
  state.holding = state.lead === 0;
  state.runStart = performance.now();
  state.savedSeconds = Math.floor(fromMs / 1000);
  state.said = new Set();
  state.switched = switched;
  if (state.holding) {
    // Carrying on part-way: the hold's lines before now are not said again.
    for (const p of state.plan) if (p.line.phase === "prepare" || p.ms < fromMs) state.said.add(p.i);
  }
  renderStep();
  renderPaused();
  showCue(state.holding ? holdCue(step) : readyCue(step));
  if (carryOn) speak(`Carry on with ${step.name}.`, { tag: "carry-on" });
  const sideText = SIDES[step.side] ? `, ${SIDES[step.side].toLowerCase()}` : "";
  announce(
    `${switched ? "Switch sides. " : ""}Step ${index + 1} of ${steps.length}: ${step.name}${sideText}, ` +
      `${step.intensity}, ${shortDuration(step.seconds)}. ${readyCue(step)}`,
  );
  sayDue();
}

// Say each line of the script whose time has come (see planStep).
function sayDue() {
  const elapsed = elapsedMs();
  const phase = state.holding ? "hold" : "prepare";
  const now = state.holding ? elapsed : elapsed + state.lead;
  const step = steps[state.index];
  for (const p of state.plan) {
    if (state.said.has(p.i) || p.line.phase !== phase || p.ms > now) continue;
    state.said.add(p.i);
    if (p.drop) continue;
    const tag = `${state.index}:${phase}`;
    if (p.line.must_hear) {
      if (phase === "hold" && p.line.kind === "go") showCue(holdCue(step));
      speak(p.line.text, { mustHear: true, tag });
    } else if (fitsBeforeMustHear(p.dur)) {
      if (phase === "hold" && p.line.kind === "cue") showCue(p.line.text);
      speak(p.line.text, { onlyIfIdle: true, tag });
    }
  }
}

// A line that may be missed is said only if it ends before the next must-hear line is due.
function fitsBeforeMustHear(ms) {
  if (busy()) return false;
  const elapsed = elapsedMs();
  const phase = state.holding ? "hold" : "prepare";
  const now = state.holding ? elapsed : elapsed + state.lead;
  const due = state.plan
    .filter((p) => p.line.phase === phase && p.line.must_hear && !state.said.has(p.i))
    .map((p) => p.ms);
  const nextMust = due.length ? Math.min(...due) : Number.POSITIVE_INFINITY;
  const end = state.holding ? steps[state.index].seconds * 1000 : Number.POSITIVE_INFINITY;
  return now + ms <= Math.min(nextMust, end);
}

// The get-ready's must-hear lines not yet said to the end (waiting, or being said).
function readyLinesPending() {
  const tag = `${state.index}:prepare`;
  const unsaid = state.plan.some((p) => p.line.phase === "prepare" && p.line.must_hear && !state.said.has(p.i));
  const speaking = [talk.current, ...talk.queue].some((u) => u && u.mustHear && u.tag === tag);
  return unsaid || speaking;
}

function repeatInstruction() {
  if (state.screen !== "step") return;
  const step = steps[state.index];
  const spoken = step.spoken || {};
  const side = SIDES[step.side] ? ` ${SIDES[step.side]}.` : "";
  const elapsed = elapsedMs();
  const leftS = Math.ceil(Math.max(0, step.seconds * 1000 - Math.max(0, elapsed)) / 1000);
  const now = state.holding ? $("cue").textContent : "";
  const parts = [`${step.name}.${side} ${spokenDuration(leftS)} left.`, spoken.setup || cueFor(step), now];
  const lines = parts.filter((t, n) => t && parts.indexOf(t) === n);
  cutMayMiss();
  for (const text of lines) speak(text, { tag: "repeat" });
  announce(lines.join(" "));
}

function goNext({ cut = true } = {}) {
  const from = state.index;
  if (from + 1 < steps.length) {
    startStep(from + 1, { switched: isSwitch(from, from + 1), cut });
  } else {
    beep(2);
    if (cut) hush();
    speak("Well done. That was the last step. Rate how you feel now.");
    showAfter();
  }
}

// --- the timer -----------------------------------------------------------------------------

function tick() {
  if (state.screen !== "step") return;
  const step = steps[state.index];
  const total = step.seconds * 1000;
  if (state.switched && elapsedMs() + state.lead >= SWITCH_BANNER_MS) {
    state.switched = false;
    $("switch-banner").hidden = true;
  }
  if (!state.running) {
    renderTime();
    return;
  }
  sayDue();
  if (!state.holding && elapsedMs() >= 0) {
    if (readyLinesPending()) {
      // Still being said (a slower voice): the get-ready waits at 0:00.
      state.elapsedMs = -1;
      state.runStart = performance.now();
    } else {
      state.holding = true;
      // The hold's clock starts now, exactly (not a tick late).
      state.elapsedMs = Math.min(0, state.elapsedMs);
      beep(1);
      showCue(holdCue(step));
      for (const p of state.plan) if (p.line.phase === "prepare") state.said.add(p.i);
      sayDue();
    }
  }
  renderTime();
  const elapsed = elapsedMs();
  if (state.holding && total - elapsed <= 0) {
    completeStep();
    return;
  }
  pace(step, elapsed);
  const seconds = Math.floor(elapsed / 1000);
  if (state.holding && seconds - state.savedSeconds >= SAVE_EVERY_S) {
    state.savedSeconds = seconds;
    step.seconds_done = Math.max(step.seconds_done, seconds);
    saveStep(state.index, { seconds_done: step.seconds_done });
  }
}

function completeStep() {
  const step = steps[state.index];
  step.seconds_done = step.seconds;
  step.skipped = false;
  saveStep(state.index, { seconds_done: step.seconds, skipped: false });
  beep(1);
  goNext({ cut: false });
}

// --- the breathing pacer on relaxation steps ---------------------------------------------------
// In for 4 seconds, out for 6: shown with a count, and spoken when nothing else is being
// said and the word ends before the next line that must be heard.

const BREATH_IN_MS = 4000;
const BREATH_OUT_MS = 6000;

function pace(step, elapsed) {
  const pacer = $("pacer");
  const on = step.kind === "relaxation" && state.holding && state.running;
  if (!on) {
    if (!pacer.hidden) {
      pacer.hidden = true;
      pacer.dataset.phase = "";
    }
    return;
  }
  const inCycle = elapsed % (BREATH_IN_MS + BREATH_OUT_MS);
  const breathingIn = inCycle < BREATH_IN_MS;
  const phase = breathingIn ? "in" : "out";
  const left = breathingIn ? BREATH_IN_MS - inCycle : BREATH_IN_MS + BREATH_OUT_MS - inCycle;
  const words = breathingIn ? "Breathe in" : "Breathe out";
  pacer.hidden = false;
  pacer.textContent = `${words} · ${Math.ceil(left / 1000)}`;
  if (pacer.dataset.phase !== phase) {
    pacer.dataset.phase = phase;
    if (fitsBeforeMustHear(secondsAtRate({ text: words }) * 1000)) {
      speak(words, { onlyIfIdle: true, caption: false, tag: "pace" });
    }
  }
}

// --- controls ------------------------------------------------------------------------------

function pause() {
  if (!state.running) return;
  state.elapsedMs = elapsedMs();
  state.running = false;
  hush({ keep: true });
  renderPaused();
  renderTime();
  speak("Paused.");
  announce("Paused.");
  const step = steps[state.index];
  step.seconds_done = progressSeconds();
  saveStep(state.index, { seconds_done: step.seconds_done });
}

function resume() {
  if (state.running || state.screen !== "step") return;
  state.runStart = performance.now();
  state.running = true;
  renderPaused();
  announce("Going again.");
  say("Going again.");
  // A must-hear line cut by the pause is said again, whole.
  const cut = talk.interrupted;
  talk.interrupted = null;
  if (cut) speak(cut.text, { mustHear: true, tag: cut.tag });
}

function togglePause() {
  if (state.running) pause();
  else resume();
}

function leaveStep(skipped) {
  const step = steps[state.index];
  step.seconds_done = progressSeconds();
  step.skipped = skipped;
  saveStep(state.index, { seconds_done: step.seconds_done, skipped });
}

function back() {
  if (state.screen !== "step" || state.index === 0) return;
  leaveStep(steps[state.index].skipped);
  startStep(state.index - 1); // keeps running or paused as it was
}

function skip() {
  if (state.screen !== "step") return;
  leaveStep(true);
  goNext();
}

function lower(intensity) {
  const rank = LEVELS.indexOf(intensity);
  return rank > 0 ? LEVELS[rank - 1] : intensity;
}

let noteTimer = null;

function clearNote() {
  window.clearTimeout(noteTimer);
  noteTimer = null;
  $("too-much-note").hidden = true;
  $("too-much-note").textContent = "";
}

function showNote(text) {
  // Says what changed, then clears (the intensity stays on screen).
  clearNote();
  const note = $("too-much-note");
  note.textContent = text;
  note.hidden = false;
  noteTimer = window.setTimeout(clearNote, NOTE_MS);
}

function tooMuch() {
  if (state.screen !== "step") return;
  const i = state.index;
  const step = steps[i];
  const was = step.intensity;
  const laterChanged = [];
  for (let j = i; j < steps.length; j += 1) {
    const lowered = lower(steps[j].intensity);
    if (lowered !== steps[j].intensity) {
      steps[j].intensity = lowered;
      if (j > i) laterChanged.push(j);
    }
  }
  step.feedback = "too_much";
  saveStep(i, { feedback: "too_much", intensity: step.intensity });
  for (const j of laterChanged) saveStep(j, { intensity: steps[j].intensity });
  renderIntensity(step);
  const n = laterChanged.length;
  const later = n ? ` ${n} later step${n === 1 ? "" : "s"} eased too.` : "";
  let text;
  if (step.intensity !== was) {
    text = `Eased from ${was} to ${step.intensity}.${later}`;
    cutMayMiss();
    speak(`Ease off. This step is now ${step.intensity}.`, { tag: "too-much" });
    speak(cueFor(step), { tag: "too-much" });
  } else {
    text = `Already the lightest. Go lighter, or Skip.${later}`;
    cutMayMiss();
    speak(
      "This step is already at the lightest setting. Use a lighter touch, or skip this step. " +
        "If the pain is sharp, stop.",
      { tag: "too-much" },
    );
  }
  showNote(text);
  announce(text);
}

// "Sharp pain — stop": confirm, record it (the API stops the session), show guidance.
let resumeAfterDialog = false;

function askSharpPain() {
  if (state.screen !== "step") return;
  resumeAfterDialog = state.running;
  pause();
  const dialog = $("sharp-dialog");
  if (typeof dialog.showModal === "function") {
    dialog.showModal();
    $("sharp-confirm").focus();
  } else if (window.confirm("Stop for sharp pain? This ends the session now.")) {
    stopForSharpPain();
  } else if (resumeAfterDialog) {
    resume();
  }
}

function cancelSharpPain() {
  const dialog = $("sharp-dialog");
  if (dialog.open) dialog.close();
}

async function stopForSharpPain() {
  const dialog = $("sharp-dialog");
  resumeAfterDialog = false;
  if (dialog.open) dialog.close();
  state.screen = "ended";
  state.running = false;
  window.clearInterval(state.timer);
  hush();
  const index = state.index;
  const fields = { feedback: "sharp_pain", seconds_done: progressSeconds() };
  // The guidance matters more than the save: with no connection the save waits in the
  // outbox and the guidance (kept for offline use) shows at once.
  const saved = enqueue("PUT", stepPath(index), fields).catch((error) => {
    if (!sessionIsOver(error)) {
      return enqueue("PATCH", api, { status: "stopped", stop_reason: "sharp pain" }).catch(() => {});
    }
    return null;
  });
  if (!offline) await saved;
  releaseWakeLock();
  forgetLocalCopy();
  window.location.assign(`${data.urls.done}?sharp=1`);
}

// --- the figure's words --------------------------------------------------------------------
// Its labels are drawn at a size in the picture's own units (300 across): as large as
// 14 px on screen, whatever size the picture is shown at.

const FIGURE_WORDS_PX = 14.02;

function sizeFigureWords() {
  const box = document.querySelector(".player-figures");
  const svg = [...document.querySelectorAll("[data-step-figure] svg")].find((s) => s.getClientRects().length);
  if (!box || !svg) return;
  // The picture's scale on screen (its border left out): pixels per unit.
  const matrix = svg.getScreenCTM();
  const scale = matrix ? matrix.a : 0;
  if (scale > 0) box.style.setProperty("--figure-words", `${(FIGURE_WORDS_PX / scale).toFixed(3)}px`);
}

// --- fitting the screen ---------------------------------------------------------------------
// Nothing on the floor screen scrolls or is cut off, on any screen: when the words of a
// step do not fit beside the figure at their size, the least needed give way, one at a
// time: the intensity (it is in "How to"), then "Next", then the step's number.

const FIT_LEVELS = 3;

function overflowing() {
  const floor = $("step-screen");
  const text = $("floor-text");
  return floor.scrollHeight > floor.clientHeight + 1 || text.scrollHeight > text.clientHeight + 1;
}

function fit() {
  const floor = $("step-screen");
  if (floor.hidden) return;
  for (let level = 1; level <= FIT_LEVELS; level += 1) floor.classList.remove(`fit-${level}`);
  for (let level = 1; level <= FIT_LEVELS && overflowing(); level += 1) floor.classList.add(`fit-${level}`);
}

function onTextChange() {
  fit();
  sizeFigureWords();
}

// --- screens -------------------------------------------------------------------------------

function showScreen(name) {
  for (const id of ["before", "step", "after"]) $(`${id}-screen`).hidden = id !== name;
  // Floor mode: the step screen alone fills the page (no site menu, header or footer).
  document.documentElement.classList.toggle("floor-mode", name === "step");
  if (name === "step") onTextChange();
  if (name !== "step") leaveFullscreen();
}

// --- full screen (with the whole page as the fallback) -----------------------------------------

const canFullscreen = Boolean(document.fullscreenEnabled && document.documentElement.requestFullscreen);

function isFullscreen() {
  return Boolean(document.fullscreenElement);
}

function enterFullscreen() {
  if (!canFullscreen || isFullscreen()) return;
  try {
    document.documentElement
      .requestFullscreen({ navigationUI: "hide" })
      .catch(() => renderFullscreen())
      .then(renderFullscreen);
  } catch {
    renderFullscreen();
  }
}

function leaveFullscreen() {
  if (!isFullscreen()) return;
  try {
    document.exitFullscreen().catch(() => {});
  } catch {
    // already out
  }
}

function renderFullscreen() {
  // The full-screen switch is in Settings; floor mode fills the page without it too.
  renderToggle("fullscreen", isFullscreen(), canFullscreen);
}

function toggleFullscreen() {
  prefs.fullscreen = !isFullscreen();
  writePref("fullscreen", prefs.fullscreen);
  if (prefs.fullscreen) enterFullscreen();
  else leaveFullscreen();
}

function radioValue(name) {
  const checked = document.querySelector(`input[name="${name}"]:checked`);
  return checked ? Number(checked.value) : null;
}

function firstUnfinished() {
  return steps.findIndex((s) => !s.skipped && s.seconds_done < s.seconds);
}

function begin() {
  unlockAudio();
  keepAwake();
  if (prefs.fullscreen) enterFullscreen();
  checkStillRunning();
  const patch = {};
  const pain = radioValue("pain_before");
  const stress = radioValue("stress_before");
  if (pain !== null && pain !== data.pain_before) patch.pain_before = pain;
  if (stress !== null && stress !== data.stress_before) patch.stress_before = stress;
  if (Object.keys(patch).length) {
    enqueue("PATCH", api, patch)
      .then(() => Object.assign(data, patch))
      .catch(onSaveError);
  }
  const index = Math.max(0, firstUnfinished());
  state.screen = "step";
  state.running = true;
  showScreen("step");
  const fromMs = steps[index].seconds_done * 1000;
  startStep(index, { fromMs, carryOn: fromMs > 0 });
  if (state.timer === null) state.timer = window.setInterval(tick, TICK_MS);
  $("step-name").focus();
}

function endNow() {
  if (state.screen !== "step") return;
  leaveStep(steps[state.index].skipped);
  state.elapsedMs = elapsedMs();
  state.running = false;
  hush();
  state.endedEarly = true;
  showAfter();
}

function carryOnAfterEnding() {
  state.endedEarly = false;
  state.screen = "step";
  showScreen("step");
  const step = steps[state.index];
  startStep(state.index, { fromMs: Math.min(step.seconds_done, step.seconds - 1) * 1000, carryOn: true });
  state.running = true;
  renderPaused();
  $("step-name").focus();
}

function showAfter() {
  state.screen = "after";
  state.running = false;
  showScreen("after");
  $("carry-on").hidden = !state.endedEarly;
  $("after-title").focus();
  announce("How do you feel now? Rate your pain and stress, then press Finish.");
}

let finishing = false;

function renderFinishWaiting() {
  // With no connection, Finish waits in the outbox; say so, and go on once it is sent.
  const note = $("after-error");
  if (finishing && offline) {
    note.textContent =
      "No connection. Your answers are kept on this device and sent as soon as you are back online; " +
      "then this page shows the summary.";
    note.hidden = false;
  } else if (finishing) {
    note.hidden = true;
  }
}

function finalStatus() {
  const unfinished = steps.some((s) => !s.skipped && s.seconds_done < s.seconds);
  if (unfinished) return "stopped";
  return steps.some((s) => !s.skipped && s.seconds_done >= s.seconds) ? "completed" : "skipped";
}

async function finish() {
  const button = $("finish");
  const error = $("after-error");
  const status = finalStatus();
  const body = { status, notes: $("notes").value.trim() };
  const pain = radioValue("pain_after");
  const stress = radioValue("stress_after");
  if (pain !== null) body.pain_after = pain;
  if (stress !== null) body.stress_after = stress;
  button.disabled = true;
  button.textContent = "Saving…";
  error.hidden = true;
  finishing = true;
  renderFinishWaiting();
  try {
    if (status === "stopped") await enqueue("PATCH", api, { stop_reason: "ended early" });
    await enqueue("POST", `${api}/finish`, body);
  } catch (failure) {
    finishing = false;
    if (!sessionIsOver(failure)) {
      error.textContent = failure instanceof TypeError
        ? "Could not reach backease. Check that it is still running, then press Finish again."
        : `Could not save: ${failure.message}`;
      error.hidden = false;
      button.disabled = false;
      button.textContent = "Finish";
      return;
    }
  }
  state.screen = "ended";
  window.clearInterval(state.timer);
  releaseWakeLock();
  forgetLocalCopy();
  window.location.assign(data.urls.done);
}

// --- toggles and support notes -----------------------------------------------------------------

function renderToggle(id, on, available) {
  const button = $(id);
  button.setAttribute("aria-pressed", String(on && available));
  button.querySelector(".toggle-state").textContent = available ? (on ? "on" : "off") : "not available";
  button.disabled = !available;
}

function renderToggles() {
  renderToggle("speech-toggle", prefs.speech, canSpeak);
  renderToggle("beep-toggle", prefs.beep, Boolean(AudioContextClass));
}

function populateVoices() {
  if (!canSpeak) return;
  let voices = [];
  try {
    voices = window.speechSynthesis.getVoices() || [];
  } catch {
    voices = [];
  }
  const select = $("voice");
  const lang = (document.documentElement.lang || "en").slice(0, 2).toLowerCase();
  // Voices in the page's language first, then the rest, each group by name.
  const sorted = [...voices].sort((a, b) => {
    const ka = (a.lang || "").toLowerCase().startsWith(lang) ? 0 : 1;
    const kb = (b.lang || "").toLowerCase().startsWith(lang) ? 0 : 1;
    return ka - kb || String(a.name).localeCompare(String(b.name));
  });
  select.replaceChildren(select.options[0]);
  for (const voice of sorted) {
    const option = document.createElement("option");
    option.value = voice.voiceURI;
    option.textContent = `${voice.name} (${voice.lang})`;
    select.append(option);
  }
  select.value = sorted.some((v) => v.voiceURI === prefs.voice) ? prefs.voice : "";
}

function renderSpeechSettings() {
  $("rate").min = String(speech.slowest_rate);
  $("rate").value = String(prefs.rate);
  $("rate-value").textContent = `${Math.round(prefs.rate * 100)}%`;
  $("volume").value = String(prefs.volume);
  $("volume-value").textContent = `${Math.round(prefs.volume * 100)}%`;
  for (const id of ["voice", "rate", "volume", "voice-test"]) $(id).disabled = !canSpeak;
}

function openSettings() {
  const dialog = $("settings-dialog");
  populateVoices();
  if (typeof dialog.showModal === "function") dialog.showModal();
  else dialog.setAttribute("open", "");
  $("settings-close").focus();
}

function openHowTo() {
  const dialog = $("how-dialog");
  // The figure's own words (its text alternative): what it shows, from which view.
  const figure = [...document.querySelectorAll("[data-step-figure]")].find((f) => !f.hidden);
  const desc = figure && figure.querySelector("desc");
  $("how-figure").textContent = desc ? `The picture: ${desc.textContent}` : "";
  if (typeof dialog.showModal === "function") dialog.showModal();
  else dialog.setAttribute("open", "");
  $("how-close").focus();
}

function closeHowTo() {
  const dialog = $("how-dialog");
  if (typeof dialog.close === "function" && dialog.open) dialog.close();
  else dialog.removeAttribute("open");
}

function closeSettings() {
  const dialog = $("settings-dialog");
  if (typeof dialog.close === "function" && dialog.open) dialog.close();
  else dialog.removeAttribute("open");
}

function supportNote() {
  const missing = [];
  if (!canSpeak) missing.push("speak the cues");
  if (!canFullscreen) missing.push("go full screen (the player fills the page instead)");
  if (!AudioContextClass) missing.push("play beeps");
  if (!canWakeLock) missing.push("keep the screen on (tap it now and then so it does not lock)");
  const el = $("support-note");
  if (missing.length) {
    el.textContent = `This browser cannot ${missing.join(", or ")}. Nothing else changes: every cue is on screen.`;
    el.hidden = false;
  }
}

// --- wiring --------------------------------------------------------------------------------

function flushProgress() {
  // The tab is being hidden or closed: send every waiting write now with keepalive (it
  // outlives the page), then the current step's progress. A waiting write's older
  // seconds_done for this step is dropped, so it cannot land after the newer one.
  // The writes stay in the outbox (on this device) until the server has answered them:
  // a copy that lands now is not applied again when the outbox sends it later (same key).
  const path = state.screen === "step" ? stepPath(state.index) : null;
  storeOutbox();
  if (!offline) {
    for (const job of pending) {
      let body = job.body;
      if (path && job.path === path && body && "seconds_done" in body) {
        body = { ...body };
        delete body.seconds_done;
        if (!Object.keys(body).length) continue;
      }
      call(job.method, job.path, body, true, job.key).catch(() => {});
    }
  }
  if (!path) {
    keepLocalCopy();
    return;
  }
  const step = steps[state.index];
  step.seconds_done = progressSeconds();
  state.savedSeconds = secondsDone();
  keepLocalCopy();
  call("PUT", path, { seconds_done: step.seconds_done }, true).catch(() => {});
}

function isTyping(target) {
  return Boolean(
    target &&
      target.closest &&
      target.closest("input, textarea, select, button, a, summary, dialog, [contenteditable]"),
  );
}

function init() {
  // Writes kept from an earlier visit (closed while offline) go first, before anything
  // this visit saves: they are sent now, or when the connection is back.
  restoreOutbox();
  $("begin").addEventListener("click", begin);
  $("pause").addEventListener("click", togglePause);
  $("back").addEventListener("click", back);
  $("skip").addEventListener("click", skip);
  $("too-much").addEventListener("click", tooMuch);
  $("sharp-pain").addEventListener("click", askSharpPain);
  $("sharp-confirm").addEventListener("click", stopForSharpPain);
  $("sharp-cancel").addEventListener("click", cancelSharpPain);
  $("sharp-dialog").addEventListener("close", () => {
    if (state.screen === "step" && resumeAfterDialog) {
      resumeAfterDialog = false;
      resume();
    }
    if (state.screen === "step") $("sharp-pain").focus();
  });
  $("end").addEventListener("click", endNow);
  $("how-open").addEventListener("click", openHowTo);
  $("how-close").addEventListener("click", closeHowTo);
  $("how-dialog").addEventListener("close", () => {
    if (state.screen === "step") $("how-open").focus();
  });
  $("repeat").addEventListener("click", repeatInstruction);
  $("fullscreen").addEventListener("click", toggleFullscreen);
  document.addEventListener("fullscreenchange", renderFullscreen);
  $("settings-open").addEventListener("click", openSettings);
  $("settings-close").addEventListener("click", closeSettings);
  $("settings-dialog").addEventListener("close", () => {
    if (state.screen === "step") $("settings-open").focus();
  });
  $("voice").addEventListener("change", (event) => {
    prefs.voice = event.target.value;
    writeItem("voice", prefs.voice);
  });
  $("rate").addEventListener("input", (event) => {
    prefs.rate = Number.parseFloat(event.target.value) || 0.95;
    writeItem("rate", prefs.rate);
    renderSpeechSettings();
  });
  $("volume").addEventListener("input", (event) => {
    prefs.volume = Number.parseFloat(event.target.value) || 1;
    writeItem("volume", prefs.volume);
    renderSpeechSettings();
  });
  $("voice-test").addEventListener("click", () => {
    speak("This is how the spoken cues will sound.", { interrupt: true });
  });
  if (canSpeak && typeof window.speechSynthesis.addEventListener === "function") {
    window.speechSynthesis.addEventListener("voiceschanged", populateVoices);
  }
  $("carry-on").addEventListener("click", carryOnAfterEnding);
  $("finish").addEventListener("click", finish);
  $("speech-toggle").addEventListener("click", () => {
    prefs.speech = !prefs.speech;
    writePref("speech", prefs.speech);
    if (!prefs.speech) hush();
    renderToggles();
  });
  $("beep-toggle").addEventListener("click", () => {
    prefs.beep = !prefs.beep;
    writePref("beep", prefs.beep);
    renderToggles();
  });
  document.addEventListener("keydown", (event) => {
    if (state.screen !== "step" || $("sharp-dialog").open || $("settings-dialog").open || $("how-dialog").open) {
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "r" || event.key === "R") {
      if (event.target && event.target.closest && event.target.closest("input, textarea, select")) return;
      event.preventDefault();
      repeatInstruction();
      return;
    }
    if (event.key !== " " || isTyping(event.target)) return;
    event.preventDefault();
    togglePause();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") flushProgress();
    else if (state.screen === "step") {
      keepAwake();
      checkStillRunning(); // back from another tab, where the safety answers may have changed
    }
  });
  window.addEventListener("pagehide", flushProgress);
  for (const form of [$("before-form"), $("after-form")]) {
    form.addEventListener("submit", (event) => event.preventDefault());
  }

  renderToggles();
  renderSpeechSettings();
  renderFullscreen();
  populateVoices();
  supportNote();
  mergeLocalCopy();
  window.addEventListener("online", () => pump());
  if (pending.length) pump();
  const next = firstUnfinished();
  const started = data.pain_before !== null || steps.some((s) => s.seconds_done > 0 || s.skipped);
  if (next === -1) {
    // Every step is done or skipped: only the after-ratings are left.
    state.index = steps.length - 1;
    showAfter();
  } else if (started) {
    $("resume-note").hidden = false;
    $("begin").textContent = `Carry on from step ${next + 1}`;
  }
  if (typeof ResizeObserver === "function") {
    const box = document.querySelector(".player-figures");
    if (box) new ResizeObserver(sizeFigureWords).observe(box);
  }
  document.addEventListener("fullscreenchange", onTextChange);
  // The figure's room changes with the text beside it, and a later step's figure arrives
  // by fetch (figures.js) after its step begins: size its words again each time.
  const watch = { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ["hidden"] };
  const figures = document.querySelector(".player-figures");
  if (figures) new MutationObserver(sizeFigureWords).observe(figures, watch);
  new MutationObserver(onTextChange).observe($("floor-text"), watch);
  window.addEventListener("resize", onTextChange);
  $("player").dataset.ready = "true";
}

init();
