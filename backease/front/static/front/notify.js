// backease: reminders on this device (docs/notifications.md).
//
// On any page, once notifications are allowed (and not turned off here): asks the server
// every minute whether a reminder is due; when one is, claims it, and shows it only if the
// claim says this page is the one (so two open tabs show it once). The notification comes
// from the service worker when there is one (a tap opens Today), else from the page.
//
// On the settings page: the "Reminders on this device" control. Turning it on asks the
// browser's permission and, where the server sends Web Push (server mode), subscribes this
// browser so reminders arrive with backease closed. Turning it off here undoes both.
(function () {
  "use strict";

  var script = document.currentScript || document.querySelector("script[data-due-url]");
  if (!script || !window.fetch || !window.Promise) return;
  var urls = script.dataset;
  var OFF = "backease-reminders-off";
  var EVERY = 60 * 1000;
  var supported = "Notification" in window;

  function turnedOff() {
    try {
      return window.localStorage.getItem(OFF) === "1";
    } catch (error) {
      return false;
    }
  }

  function remember(off) {
    try {
      if (off) window.localStorage.setItem(OFF, "1");
      else window.localStorage.removeItem(OFF);
    } catch (error) {
      // No storage (private mode): the browser's permission alone decides.
    }
  }

  function token() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function ready() {
    return token() ? Promise.resolve() : fetch("/api/csrf", { credentials: "same-origin" });
  }

  function send(method, url, body) {
    return ready().then(function () {
      return fetch(url, {
        method: method,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token(), "Content-Type": "application/json", Accept: "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    });
  }

  function read(url) {
    return fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } }).then(
      function (response) {
        if (!response.ok) throw new Error(url + ": " + response.status);
        return response.json();
      },
    );
  }

  // --- showing a reminder ----------------------------------------------------------------

  function show(note) {
    var options = { body: note.body, tag: note.tag, data: { url: note.url } };
    var viaWorker =
      "serviceWorker" in navigator && navigator.serviceWorker.controller
        ? navigator.serviceWorker.getRegistration().then(function (registration) {
            if (!registration) throw new Error("no service worker");
            return registration.showNotification(note.title, options);
          })
        : Promise.reject(new Error("no service worker"));
    return viaWorker.catch(function () {
      var shown = new window.Notification(note.title, options);
      shown.onclick = function () {
        window.focus();
        if (!/^\/session\//.test(window.location.pathname)) window.location.assign(note.url);
        shown.close();
      };
    });
  }

  var polling = null;
  var asking = false;

  function check() {
    if (asking || turnedOff() || !supported || window.Notification.permission !== "granted") return;
    asking = true;
    read(urls.dueUrl)
      .then(function (due) {
        if (!due || !due.due || !due.at) return null;
        return send("POST", urls.claimUrl, { due_at: due.at })
          .then(function (response) {
            return response.ok ? response.json() : null;
          })
          .then(function (claim) {
            if (claim && claim.show && claim.notification) return show(claim.notification);
            return null;
          });
      })
      .catch(function () {
        // Offline or signed out: the next minute asks again.
      })
      .then(function () {
        asking = false;
      });
  }

  function startPolling() {
    if (polling !== null) return;
    check();
    polling = window.setInterval(check, EVERY);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") check();
    });
  }

  if (supported && window.Notification.permission === "granted" && !turnedOff()) startPolling();

  // --- the settings page's control -------------------------------------------------------

  var control = document.getElementById("device-reminders");
  if (!control) return;
  var status = document.getElementById("device-reminders-status");
  var onButton = document.getElementById("device-reminders-on");
  var offButton = document.getElementById("device-reminders-off");
  var pushOffered = control.dataset.push === "true";
  var pushable = pushOffered && "serviceWorker" in navigator && "PushManager" in window;

  function say(text) {
    status.textContent = text;
  }

  function device() {
    var agent = navigator.userAgent;
    var browser = /Edg\//.test(agent)
      ? "Edge"
      : /Firefox\//.test(agent)
        ? "Firefox"
        : /Chrom(e|ium)\//.test(agent)
          ? "Chrome"
          : /Safari\//.test(agent)
            ? "Safari"
            : "A browser";
    var system = /iPhone/.test(agent)
      ? "iPhone"
      : /iPad/.test(agent)
        ? "iPad"
        : /Android/.test(agent)
          ? "Android"
          : /Windows/.test(agent)
            ? "Windows"
            : /Mac OS X/.test(agent)
              ? "Mac"
              : /Linux/.test(agent)
                ? "Linux"
                : "";
    return system ? browser + " on " + system : browser;
  }

  function keyBytes(text) {
    var padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function subscribePush() {
    return read(urls.keyUrl).then(function (key) {
      if (!key.push) return null;
      return navigator.serviceWorker.ready
        .then(function (registration) {
          return registration.pushManager.getSubscription().then(function (existing) {
            return (
              existing ||
              registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key.public_key) })
            );
          });
        })
        .then(function (subscription) {
          var body = subscription.toJSON();
          body.device = device();
          return send("POST", urls.subscriptionsUrl, body);
        })
        .then(function (response) {
          return response.ok;
        });
    });
  }

  function unsubscribePush() {
    if (!pushable) return Promise.resolve();
    return navigator.serviceWorker.getRegistration().then(function (registration) {
      if (!registration) return null;
      return registration.pushManager.getSubscription().then(function (subscription) {
        if (!subscription) return null;
        return read(urls.subscriptionsUrl)
          .then(function (rows) {
            var mine = rows.filter(function (row) {
              return row.endpoint === subscription.endpoint;
            });
            return Promise.all(
              mine.map(function (row) {
                return send("DELETE", urls.subscriptionsUrl + "/" + row.id);
              }),
            );
          })
          .then(function () {
            return subscription.unsubscribe();
          });
      });
    });
  }

  // pushed: true (this browser has a push subscription), false (making one failed), null
  // (none, or push is not offered here).
  function render(pushed) {
    onButton.hidden = true;
    offButton.hidden = true;
    if (!supported) {
      say("This browser cannot show notifications." + (control.dataset.iphone ? " " + control.dataset.iphone : ""));
      return;
    }
    var permission = window.Notification.permission;
    if (permission === "denied") {
      say(
        "Notifications are blocked for backease in this browser. Allow them in the browser's settings " +
          "for this site, then come back here.",
      );
      return;
    }
    if (permission === "granted" && !turnedOff()) {
      if (pushed === true) say("On. Reminders arrive on this device even when backease is closed.");
      else if (pushed === false && pushable)
        say(
          "On while backease is open in a tab or as an app. Reminders with backease closed could not be " +
            "set up in this browser.",
        );
      else if (pushable) {
        // Allowed before (or on another visit), but this browser has no push subscription yet.
        say("On while backease is open in a tab or as an app; not yet with backease closed (turn them on for that).");
        onButton.hidden = false;
      } else say("On. Reminders show on this device while backease is open in a tab or as an installed app.");
      offButton.hidden = false;
      return;
    }
    say("Off on this device.");
    onButton.hidden = false;
  }

  onButton.addEventListener("click", function () {
    onButton.disabled = true;
    say("Asking the browser…");
    var asked =
      window.Notification.permission === "granted"
        ? Promise.resolve("granted")
        : new Promise(function (resolve) {
            var answer = window.Notification.requestPermission(resolve);
            if (answer && answer.then) answer.then(resolve);
          });
    asked
      .then(function (permission) {
        if (permission !== "granted") return null;
        remember(false);
        startPolling();
        return pushable
          ? subscribePush().catch(function () {
              return false;
            })
          : null;
      })
      .then(function (pushed) {
        onButton.disabled = false;
        render(pushed);
      });
  });

  offButton.addEventListener("click", function () {
    offButton.disabled = true;
    remember(true);
    unsubscribePush()
      .catch(function () {
        return null;
      })
      .then(function () {
        offButton.disabled = false;
        render(null);
      });
  });

  if (pushable && supported && window.Notification.permission === "granted" && !turnedOff()) {
    navigator.serviceWorker.getRegistration().then(function (registration) {
      if (!registration) return render(null);
      return registration.pushManager.getSubscription().then(function (subscription) {
        render(subscription ? true : null);
      });
    });
  } else {
    render(null);
  }
})();
