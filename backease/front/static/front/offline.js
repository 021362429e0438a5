// Installs the service worker (front/sw.js, served at /sw.js) so the app can be added to
// a phone's home screen and a session keeps running with no connection. Browsers allow
// service workers only on https:// or on this machine (http://127.0.0.1, localhost);
// elsewhere the worker is not installed and the app works online only (docs/phone.md).
//
// Also sends session saves left waiting on this device (the player's outbox, kept in
// localStorage) from any page, for instance after "sharp pain" pressed offline took you
// to the guidance page. Each save carries its key, so the server applies it once.

const OUTBOX_PREFIX = "backease.outbox.";

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

let sendingLeftovers = false;

async function sendLeftovers() {
  if (sendingLeftovers) return;
  sendingLeftovers = true;
  try {
    // The player page sends its own session's outbox.
    const player = document.getElementById("session-data");
    const own = player ? `${OUTBOX_PREFIX}${JSON.parse(player.textContent).id}` : null;
    const names = [];
    for (let i = 0; i < window.localStorage.length; i += 1) {
      const name = window.localStorage.key(i);
      if (name && name.startsWith(OUTBOX_PREFIX) && name !== own) names.push(name);
    }
    for (const name of names) {
      let jobs = JSON.parse(window.localStorage.getItem(name) || "[]");
      while (Array.isArray(jobs) && jobs.length) {
        const job = jobs[0];
        const response = await fetch(job.path, {
          method: job.method,
          credentials: "same-origin",
          headers: {
            "Content-Type": "application/json",
            Accept: "application/json",
            "X-CSRFToken": csrfToken(),
            "Idempotency-Key": job.key,
          },
          body: job.body === undefined ? undefined : JSON.stringify(job.body),
        });
        // A server error may pass: try again later. Any other answer is final (a refused
        // save would be refused again), so the save leaves the outbox.
        if (response.status >= 500) return;
        jobs = jobs.slice(1);
        if (jobs.length) window.localStorage.setItem(name, JSON.stringify(jobs));
        else window.localStorage.removeItem(name);
      }
    }
  } catch {
    // Still offline, or no storage: the saves wait for the next page or the next "online".
  } finally {
    sendingLeftovers = false;
  }
}

if ("serviceWorker" in navigator && window.isSecureContext) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(
    () => {
      // Pages that ask to be kept for offline use (the player, Today) say so here.
      const keep = document.querySelector("meta[name='backease-keep']");
      if (!keep) return;
      const urls = keep.content.split(" ").filter(Boolean);
      navigator.serviceWorker.ready.then((registration) => {
        if (registration.active) registration.active.postMessage({ type: "keep", urls });
      });
    },
    () => {
      // No service worker (private mode, blocked): the app still works online.
    },
  );
}

sendLeftovers();
window.addEventListener("online", sendLeftovers);
