// The safety check: ticking any emergency sign shows the emergency message at once,
// before the form is even sent. The server shows it again when the screen is posted.
(function () {
  "use strict";

  function update(form) {
    var notice = form.querySelector("#emergency-now");
    if (!notice) return;
    var ticked = form.querySelector("input[type=checkbox]:checked") !== null;
    notice.hidden = !ticked;
  }

  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form.wizard-form[data-group=emergency]");
    if (form) update(form);
  });

  function init() {
    var form = document.querySelector("form.wizard-form[data-group=emergency]");
    if (form) update(form);
  }
  document.addEventListener("htmx:afterSwap", init);
  init();
})();
