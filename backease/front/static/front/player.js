// The guided session player.
//
// Reads the session from <script id="session-data">, times one step at a time, shows
// and speaks the cues, beeps softly at the end of each step, and saves progress through
// the JSON API as it goes, so closing the tab keeps everything done so far.
//
// Floor mode: while a step runs the player fills the screen (the Fullscreen API when the
// browser allows it, otherwise the whole page), with the timer and the instruction large
// enough to read from a metre away and the controls in their own row.
//
// Time comes only from performance.now() and setInterval (no clock of our own), so
// browser tests can drive it with Playwright's clock API. Everything spoken goes through
// speak(), which also shows it on the caption line; tests replace window.speechSynthesis
// to record it. Speech, sound, full screen and the screen wake lock are extras: where a
// browser lacks them, the player works without them.

const LEVELS = ["gentle", "moderate", "firm"];
const TICK_MS = 250;
const SAVE_EVERY_S = 5;
const SWITCH_BANNER_MS = 5000;
const RING = 2 * Math.PI * 54; // circumference of the countdown ring (r = 54)
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

const state = {
  screen: "before", // before | step | after | ended
  index: 0,
  running: false,
  elapsedMs: 0, // time done on this step before the current run
  runStart: 0, // performance.now() when the current run began
  savedSeconds: 0, // seconds_done last sent for this step
  halfCue: false,
  tenCue: false,
  goCue: true, // "Go" said for this step (false during a get-ready lead-in)
  switched: false,
  endedEarly: false,
  timer: null,
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
  rate: readNumber("rate", 0.95, 0.5, 1.5),
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

// Every spoken cue goes through speak(): it shows the words on the caption line (so what
// is heard can also be read) and, when speech is on, queues one utterance per part.
//   interrupt: stop what is being said first (a new step starts)
//   idleOnly:  say it only if nothing else is being said (halfway, breathing pace)
function pickVoice() {
  if (!prefs.voice || !canSpeak) return null;
  try {
    return window.speechSynthesis.getVoices().find((v) => v.voiceURI === prefs.voice) || null;
  } catch {
    return null;
  }
}

function speak(parts, { interrupt = false, idleOnly = false, caption = true } = {}) {
  const list = (Array.isArray(parts) ? parts : [parts]).map((t) => String(t || "").trim()).filter(Boolean);
  if (!list.length) return;
  if (caption) showCaption(list[0]);
  if (!prefs.speech || !canSpeak) return;
  try {
    const synth = window.speechSynthesis;
    if (idleOnly && (synth.speaking || synth.pending)) return;
    if (interrupt) synth.cancel();
    const voice = pickVoice();
    for (const text of list) {
      const utterance = new window.SpeechSynthesisUtterance(text);
      utterance.rate = prefs.rate;
      utterance.volume = prefs.volume;
      if (voice) {
        try {
          utterance.voice = voice;
          utterance.lang = voice.lang;
        } catch {
          // A voice the browser no longer offers: its usual voice speaks instead.
        }
      }
      if (caption) utterance.addEventListener("start", () => showCaption(text));
      synth.speak(utterance);
    }
  } catch {
    // Speaking is an extra; the screen shows every cue.
  }
}

function say(text) {
  speak(text, { interrupt: true });
}

function hush() {
  if (!canSpeak) return;
  try {
    window.speechSynthesis.cancel();
  } catch {
    // nothing to stop
  }
}

function showCaption(text) {
  // The caption line shows what is being said, unless it is the cue already on screen.
  const el = $("caption");
  const onScreen = text === $("cue").textContent;
  el.textContent = onScreen ? "" : text;
  el.hidden = !text || onScreen;
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

// --- showing a step ------------------------------------------------------------------------

function cueFor(step) {
  return (step.variants && step.variants[step.intensity]) || step.cue || "";
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
  $("cue").textContent = cueFor(step);
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
  fillList($("how-list"), step.how || []);
  $("breathing").textContent = step.breathing || "";
  $("reason").textContent = step.reason ? `Why this step: ${step.reason}` : "";
  fillList($("stop-if"), step.stop_if || []);
  $("stop-if-wrap").hidden = !(step.stop_if && step.stop_if.length);
  $("switch-banner").hidden = !state.switched;
  $("how-to").open = false;
  $("floor-scroll").scrollTop = 0;
  $("too-much-note").hidden = true;
  $("back").disabled = i === 0;
  const next = steps[i + 1];
  let preview = "Next: rate how you feel, then finish.";
  if (next && isSwitch(i, i + 1)) {
    preview = `Next: switch sides (${SIDES[next.side].toLowerCase()}) · ${shortDuration(next.seconds)}`;
  } else if (next) {
    const nextSide = SIDES[next.side] ? ` · ${SIDES[next.side]}` : "";
    preview = `Next: ${next.name}${nextSide} · ${shortDuration(next.seconds)}`;
  }
  $("next-preview").textContent = preview;
  renderTime();
}

function renderTime() {
  const step = steps[state.index];
  const total = step.seconds * 1000;
  const elapsed = elapsedMs();
  const ready = elapsed < 0;
  const left = ready ? total : Math.max(0, total - elapsed);
  $("time-left").textContent = ready ? clockText(-elapsed) : clockText(left);
  $("ready-label").hidden = !ready;
  $("ring").setAttribute("stroke-dashoffset", (RING * (1 - left / total)).toFixed(2));
}

// A few seconds to get into position before a step's timer starts: longer when the
// position changes (say, from standing to lying on a roller), short between sides. The
// length comes with each step (prepare_seconds, from backease.core.flow), the same
// countdown the planner budgets inside the minutes asked for and the terminal player runs.
function leadFor(index) {
  return (steps[index].prepare_seconds || 0) * 1000;
}

function renderPaused() {
  $("pause").textContent = state.running ? "Pause" : "Resume";
  $("paused-label").hidden = state.running;
  $("player").classList.toggle("is-paused", !state.running);
}

function startStep(index, { fromMs = 0, switched = false, carryOn = false } = {}) {
  const step = steps[index];
  state.index = index;
  // A fresh step starts with a short get-ready lead-in (negative elapsed time).
  const lead = fromMs > 0 ? 0 : leadFor(index);
  state.elapsedMs = fromMs - lead;
  state.goCue = lead === 0;
  state.runStart = performance.now();
  state.savedSeconds = Math.floor(fromMs / 1000);
  state.halfCue = fromMs >= (step.seconds * 1000) / 2;
  state.tenCue = fromMs >= step.seconds * 1000 - 10000;
  state.switched = switched;
  renderStep();
  renderPaused();
  const side = SIDES[step.side] ? ` ${SIDES[step.side]}.` : "";
  const duration = spokenDuration(step.seconds);
  if (switched) {
    speak([`Switch sides.${side} ${duration}.`, cueFor(step)], { interrupt: true });
  } else if (!introduced.has(step.technique)) {
    // The first time a technique comes up, say all of it: the how-to steps, the
    // breathing and what to stop for; later sides and sets get the short cue.
    introduced.add(step.technique);
    const lead = carryOn ? "Carry on with" : index === 0 ? "First:" : "Next:";
    $("how-to").open = true;
    speak([`${lead} ${step.name}.${side} ${duration}.`, ...instruction(step)], { interrupt: true });
  } else {
    const lead = carryOn ? "Carry on with" : "Next:";
    speak([`${lead} ${step.name}.${side} ${duration}.`, cueFor(step)], { interrupt: true });
  }
  const sideText = SIDES[step.side] ? `, ${SIDES[step.side].toLowerCase()}` : "";
  announce(
    `${switched ? "Switch sides. " : ""}Step ${index + 1} of ${steps.length}: ${step.name}${sideText}, ` +
      `${step.intensity}, ${shortDuration(step.seconds)}. ${cueFor(step)}`,
  );
}

// Techniques whose full instructions were spoken on this page.
const introduced = new Set();

function instruction(step) {
  const parts = [cueFor(step)];
  (step.how || []).forEach((line, n) => parts.push(`Step ${n + 1}. ${line}`));
  if (step.breathing) parts.push(`Breathing. ${step.breathing}`);
  if (step.stop_if && step.stop_if.length) {
    parts.push("Stop if you feel any of these:", ...step.stop_if);
  }
  return parts.filter(Boolean);
}

function repeatInstruction() {
  if (state.screen !== "step") return;
  const step = steps[state.index];
  const side = SIDES[step.side] ? ` ${SIDES[step.side]}.` : "";
  const elapsed = elapsedMs();
  const leftS = Math.ceil(Math.max(0, step.seconds * 1000 - Math.max(0, elapsed)) / 1000);
  const parts = [`${step.name}.${side} ${spokenDuration(leftS)} left.`, ...instruction(step)];
  $("how-to").open = true;
  speak(parts, { interrupt: true });
  announce(parts.join(" "));
}

function goNext() {
  const from = state.index;
  if (from + 1 < steps.length) {
    startStep(from + 1, { switched: isSwitch(from, from + 1) });
  } else {
    beep(2);
    say("Well done. That was the last step. Rate how you feel now.");
    showAfter();
  }
}

// --- the timer -----------------------------------------------------------------------------

function tick() {
  if (state.screen !== "step") return;
  const step = steps[state.index];
  const total = step.seconds * 1000;
  const elapsed = elapsedMs();
  renderTime();
  if (state.switched && elapsed >= SWITCH_BANNER_MS) {
    state.switched = false;
    $("switch-banner").hidden = true;
  }
  if (!state.running) return;
  if (!state.goCue && elapsed >= 0) {
    state.goCue = true;
    beep(1);
    // While the first-time instructions are still being read, the beep says "go".
    speak("Go.", { idleOnly: true });
  }
  const left = total - elapsed;
  if (left <= 0) {
    completeStep();
    return;
  }
  if (!state.tenCue && step.seconds >= 25 && left <= 10000) {
    state.tenCue = true;
    state.halfCue = true;
    const next = steps[state.index + 1];
    let then = " Then rate how you feel.";
    if (isSwitch(state.index, state.index + 1)) then = " Then switch sides.";
    else if (next) then = ` Next: ${next.name}.`;
    speak(`10 seconds left.${then}`);
  } else if (!state.halfCue && step.seconds >= 30 && elapsed >= total / 2) {
    state.halfCue = true;
    speak("Halfway.", { idleOnly: true });
  }
  pace(step, elapsed);
  const seconds = Math.floor(elapsed / 1000);
  if (seconds - state.savedSeconds >= SAVE_EVERY_S) {
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
  goNext();
}

// --- the breathing pacer on relaxation steps ---------------------------------------------------
// In for 4 seconds, out for 6: shown (a dot that grows and shrinks, or under reduced
// motion only changes shade) with a count, and spoken when nothing else is being said.

const BREATH_IN_MS = 4000;
const BREATH_OUT_MS = 6000;

function pace(step, elapsed) {
  const pacer = $("pacer");
  const dot = $("pacer-dot");
  const on = step.kind === "relaxation" && elapsed >= 0 && state.running;
  if (!on) {
    if (!pacer.hidden) {
      pacer.hidden = true;
      dot.hidden = true;
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
  dot.hidden = false;
  pacer.textContent = `${words} · ${Math.ceil(left / 1000)}`;
  dot.classList.toggle("is-in", breathingIn);
  if (pacer.dataset.phase !== phase) {
    pacer.dataset.phase = phase;
    speak(words, { idleOnly: true, caption: false });
  }
}

// --- controls ------------------------------------------------------------------------------

function pause() {
  if (!state.running) return;
  state.elapsedMs = elapsedMs();
  state.running = false;
  hush();
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
  const note = $("too-much-note");
  const later = laterChanged.length ? " The later steps are gentler too." : "";
  if (step.intensity !== was) {
    note.textContent = `Eased from ${was} to ${step.intensity}.${later}`;
    say(`Ease off. This step is now ${step.intensity}. ${cueFor(step)}`);
  } else {
    note.textContent =
      `Already at the lightest setting. Use a lighter touch, or press Skip. Sharp pain: press Sharp pain — stop.${later}`;
    say(
      "This step is already at the lightest setting. Use a lighter touch, or skip this step. " +
        "If the pain is sharp, stop.",
    );
  }
  note.hidden = false;
  announce(note.textContent);
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

// --- screens -------------------------------------------------------------------------------

function showScreen(name) {
  for (const id of ["before", "step", "after"]) $(`${id}-screen`).hidden = id !== name;
  // Floor mode: the step screen alone fills the page (no site menu, header or footer).
  document.documentElement.classList.toggle("floor-mode", name === "step");
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
  const button = $("fullscreen");
  button.hidden = !canFullscreen;
  const label = isFullscreen() ? "Leave full screen" : "Full screen";
  button.setAttribute("aria-pressed", String(isFullscreen()));
  button.setAttribute("aria-label", label);
  button.title = label;
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
  $("end").addEventListener("click", () => {
    closeSettings();
    endNow();
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
    if (state.screen !== "step" || $("sharp-dialog").open || $("settings-dialog").open) return;
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
  $("player").dataset.ready = "true";
}

init();
