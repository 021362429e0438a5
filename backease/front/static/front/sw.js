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
