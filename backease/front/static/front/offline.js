// Installs the service worker (front/sw.js, served at /sw.js) so the app can be added to
// a phone's home screen and a session keeps running with no connection. Browsers allow
// service workers only on https:// or on this machine (http://127.0.0.1, localhost);
// elsewhere this does nothing and the app works online only (docs/phone.md).

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
