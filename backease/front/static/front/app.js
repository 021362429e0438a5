// backease pages: small progressive enhancements. Everything works without this file.
(function () {
  "use strict";

  // A range input shows its value in the <output> named by data-output.
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.dataset.output) return;
    var output = document.getElementById(input.dataset.output);
    if (output) output.textContent = input.value;
  });

  // After htmx swaps in new content (the next check screen, swap options, a new plan),
  // move keyboard and screen-reader focus to its heading, so nobody is left behind.
  document.addEventListener("htmx:afterSwap", function (event) {
    var root = event.detail && event.detail.target ? event.detail.target : document;
    if (!root.isConnected) root = document;
    var target = root.querySelector("[data-focus]") || document.querySelector("#wizard [data-focus], #plan [data-focus]");
    if (target) {
      target.focus({ preventScroll: true });
      target.scrollIntoView({ block: "start", behavior: "auto" });
    }
  });
})();
