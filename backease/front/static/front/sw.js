// The service worker: keeps the app's pages and files so a session runs with no
// connection (docs/phone.md). Served by backease.front.pwa at /sw.js, which puts
// VERSION, SHELL (static files to keep) and OFFLINE_URL in front of this file.
//
// - Static files and the figure files (/figures/, versioned): from the cache first,
//   fetched and kept when missing.
// - Pages and API reads: from the network first (so they are never stale while online),
//   kept as they load; with no connection, the kept copy, or the offline page.
// - Writes (PUT, PATCH, POST, DELETE) always go to the network: the player queues its
//   own writes while offline and sends them later, each with an Idempotency-Key.

/* global VERSION, SHELL, OFFLINE_URL */

const CACHE = `backease-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll([...SHELL, OFFLINE_URL]))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("backease-") && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

async function cacheFirst(request) {
  const kept = await caches.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) (await caches.open(CACHE)).put(request, response.clone());
  return response;
}

async function networkFirst(request, fallback) {
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) (await caches.open(CACHE)).put(request, response.clone());
    return response;
  } catch (error) {
    const kept = await caches.match(request);
    if (kept) return kept;
    if (fallback) {
      const page = await caches.match(fallback);
      if (page) return page;
    }
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/") || url.pathname.startsWith("/figures/")) {
    // Static files and the figure files (versioned URLs: they never change) from the cache.
    event.respondWith(cacheFirst(request));
  } else if (request.mode === "navigate") {
    event.respondWith(networkFirst(request, OFFLINE_URL));
  } else if (url.pathname.startsWith("/api/")) {
    event.respondWith(networkFirst(request, null));
  }
});

// A page can ask to keep more pages (the player keeps its own page and Today's plan).
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "keep" || !Array.isArray(data.urls)) return;
  const urls = data.urls.filter((u) => new URL(u, self.location.origin).origin === self.location.origin);
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      Promise.all(
        urls.map((u) =>
          fetch(u, { credentials: "same-origin" })
            .then((response) => (response.ok && !response.redirected ? cache.put(u, response) : null))
            .catch(() => null),
        ),
      ),
    ),
  );
});

// Reminders (docs/notifications.md). A Web Push from the server carries
// {title, body, url, tag}: shown as it is. The tag is one per planned session, so the open
// app's own notification for the same session and the push replace each other.
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = {};
  }
  const title = typeof data.title === "string" && data.title ? data.title : "backease";
  const options = {
    body: typeof data.body === "string" ? data.body : "Time for your upper back session",
    tag: typeof data.tag === "string" && data.tag ? data.tag : "backease-reminder",
    icon: SHELL.find((file) => /\/icon-192(\.[0-9a-f]+)?\.png$/.test(file)),
    data: { url: typeof data.url === "string" ? data.url : "/today/" },
  };
  event.waitUntil(self.registration.showNotification(title, options));
});

// A tap on a reminder: back to an open window of the app (at the page the reminder names,
// Today by default), or a new one.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const wanted = (event.notification.data && event.notification.data.url) || "/today/";
  const target = new URL(wanted, self.location.origin);
  const url = target.origin === self.location.origin ? target.href : new URL("/today/", self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((client) => new URL(client.url).origin === self.location.origin);
      if (open) {
        // A session under way is left where it is; any other page goes to the reminder's.
        const playing = new URL(open.url).pathname.startsWith("/session/");
        return open
          .focus()
          .then((client) => (playing || !client.navigate ? client : client.navigate(url)))
          .catch(() => null); // a window this worker does not control cannot be sent elsewhere
      }
      return self.clients.openWindow(url);
    }),
  );
});
