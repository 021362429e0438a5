// backease: the browser's time zone (Intl), so days and weeks count where the person lives.
// On any page: sends it once per device (the server keeps it only while no zone was chosen).
// On the settings page: offers "Use this device's zone".
(function () {
  "use strict";

  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!zone) return;

  var button = document.getElementById("zone-use-device");
  if (button) {
    document.getElementById("zone-device-name").textContent = zone;
    document.getElementById("zone-device").hidden = false;
    button.addEventListener("click", function () {
      var input = document.getElementById("zone-input");
      input.value = zone;
      input.focus();
    });
  }

  var script = document.currentScript || document.querySelector("script[data-zone-url]");
  if (!script || !script.dataset.zoneUrl || !window.fetch) return;
  var key = "backease-zone-sent:" + (script.dataset.who || "");
  try {
    if (window.localStorage.getItem(key) === zone) return;
  } catch (error) {
    // No storage (private mode): send it on each page; the server keeps the first.
  }

  function token() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function send() {
    var body = new URLSearchParams({ time_zone: zone });
    return fetch(script.dataset.zoneUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token(), Accept: "application/json" },
      body: body,
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (answer) {
        // Remembered once the server has a person to keep it for (null: not yet).
        if (answer && answer.time_zone) {
          try {
            window.localStorage.setItem(key, zone);
          } catch (error) {
            // Nothing to remember it in.
          }
        }
      });
  }

  var ready = token() ? Promise.resolve() : fetch("/api/csrf", { credentials: "same-origin" });
  ready.then(send).catch(function () {
    // Offline or refused: the next page tries again.
  });
})();
