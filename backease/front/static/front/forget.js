// After "Delete everything": also clear what this browser keeps for backease (settings
// and saved progress in localStorage, offline copies in the Cache Storage), then say so.

async function forget() {
  const done = [];
  try {
    const keys = [];
    for (let i = 0; i < window.localStorage.length; i += 1) {
      const key = window.localStorage.key(i);
      if (key && key.startsWith("backease")) keys.push(key);
    }
    keys.forEach((key) => window.localStorage.removeItem(key));
    done.push("settings and saved progress");
  } catch {
    // Storage refused (private browsing): nothing was kept there either.
  }
  try {
    if ("caches" in window) {
      const names = await window.caches.keys();
      await Promise.all(names.map((name) => window.caches.delete(name)));
      done.push("offline copies");
    }
  } catch {
    // No Cache Storage on this page (plain http on another host): nothing cached.
  }
  const line = document.getElementById("browser-forget");
  line.textContent = done.length
    ? `Cleared from this browser: ${done.join(" and ")}.`
    : "This browser kept nothing for backease.";
  line.dataset.done = "true";
}

forget();
