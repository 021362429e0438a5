// The safety check on one page.
// - Ticking any emergency sign shows the emergency message at once, before the form is
//   even sent; the server shows it again, first, when the page is sent.
// - A yes/no row with a follow-up (the areas of a regions question) opens it when ticked.
//   Without JavaScript the follow-ups simply show.
(function () {
  "use strict";

  function updateEmergency(form) {
    var notice = form.querySelector("#emergency-now");
    if (!notice) return;
    var group = form.querySelector("fieldset[data-group=emergency]");
    notice.hidden = !(group && group.querySelector("input[type=checkbox]:checked"));
  }

  function updateFollowup(box) {
    var followup = document.getElementById(box.getAttribute("data-opens"));
    if (!followup) return;
    followup.hidden = !box.checked;
    box.setAttribute("aria-expanded", box.checked ? "true" : "false");
    if (!box.checked) {
      // "No" clears the areas ticked under it, so what is sent is what is shown.
      followup.querySelectorAll("input[type=checkbox]").forEach(function (input) {
        input.checked = false;
      });
    }
  }

  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form[data-check]");
    if (!form) return;
    if (event.target.hasAttribute("data-opens")) updateFollowup(event.target);
    updateEmergency(form);
  });

  function init() {
    var form = document.querySelector("form[data-check]");
    if (!form) return;
    form.querySelectorAll("input[data-opens]").forEach(updateFollowup);
    updateEmergency(form);
  }
  init();
})();
