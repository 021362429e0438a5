// The body map of the setup page. The real controls are the checkboxes in the list
// beside the map (keyboard and screen readers use those); the map's shapes are big
// pointer targets that toggle the same checkboxes, and show what is ticked.
(function () {
  "use strict";

  var form = document.querySelector("form[data-setup]");
  if (!form) return;

  function box(region) {
    return document.getElementById("region-" + region);
  }

  function sync(region) {
    var input = box(region);
    if (!input) return;
    var item = form.querySelector('[data-area="' + region + '"]');
    var knot = document.getElementById("knot-" + region);
    form.querySelectorAll('[data-region="' + region + '"]').forEach(function (shape) {
      shape.classList.toggle("is-on", input.checked);
    });
    form.querySelectorAll('[data-knot="' + region + '"]').forEach(function (dot) {
      dot.classList.toggle("is-on", input.checked && knot !== null && knot.checked);
    });
    if (item) item.classList.toggle("is-on", input.checked);
  }

  function regionOf(input) {
    if (input.name === "region") return input.value;
    if (input.name && input.name.indexOf("knot_") === 0) return input.name.slice(5);
    return null;
  }

  // A tapped area gets no pain score of its own: a line under the map asks for one.
  var map = form.querySelector("[data-bodymap]");
  var ask = document.createElement("p");
  ask.className = "bodymap-ask";
  ask.setAttribute("role", "status");
  ask.dataset.testid = "bodymap-ask";
  if (map) map.insertAdjacentElement("afterend", ask);

  function painGiven(region) {
    return form.querySelector('input[name="pain_' + region + '"]:checked') !== null;
  }

  // A shape, or the invisible larger target around a narrow one (data-hit).
  function regionAt(target) {
    var shape = target.closest("[data-region], [data-hit]");
    return shape ? shape.dataset.region || shape.dataset.hit : null;
  }

  form.addEventListener("click", function (event) {
    var region = regionAt(event.target);
    if (!region) return;
    var input = box(region);
    if (!input) return;
    input.checked = !input.checked;
    sync(region);
    var label = form.querySelector('label[for="region-' + region + '"]');
    var name = label ? label.textContent.trim() : "This area";
    if (input.checked && !painGiven(region)) {
      ask.textContent = name + " added. How much does it hurt?";
    } else {
      ask.textContent = input.checked ? name + " added." : name + " taken off.";
    }
  });

  form.addEventListener("change", function (event) {
    var region = regionOf(event.target);
    if (region) sync(region);
  });

  // Keyboard focus on a checkbox in the list lights up its shape on the map.
  form.addEventListener("focusin", function (event) {
    var region = regionOf(event.target);
    if (!region) return;
    form.querySelectorAll('[data-region="' + region + '"]').forEach(function (shape) {
      shape.classList.add("is-focus");
    });
  });
  form.addEventListener("focusout", function (event) {
    var region = regionOf(event.target);
    if (!region) return;
    form.querySelectorAll('[data-region="' + region + '"]').forEach(function (shape) {
      shape.classList.remove("is-focus");
    });
  });

  // Hovering an item in the list highlights its shape, and the other way round.
  form.addEventListener("pointerover", function (event) {
    var item = event.target.closest("[data-area]");
    var region = regionAt(event.target) || (item ? item.dataset.area : null);
    form.querySelectorAll(".is-hover").forEach(function (el) { el.classList.remove("is-hover"); });
    if (!region) return;
    form.querySelectorAll('[data-region="' + region + '"], [data-area="' + region + '"]').forEach(function (el) {
      el.classList.add("is-hover");
    });
  });

  form.querySelectorAll('input[name="region"]').forEach(function (input) { sync(input.value); });

  // The list of every area repeats the map: closed, it shows only the areas chosen (each
  // with its 0-10 question); the button before the map opens it for keyboards, screen
  // readers and anyone who prefers a list. Without JavaScript the whole list shows.
  var lists = form.querySelector("#area-lists");
  var toggle = form.querySelector("[data-area-toggle]");
  if (lists && toggle && !form.querySelector(".error")) {
    var setOpen = function (open) {
      lists.classList.toggle("is-closed", !open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    };
    setOpen(false);
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      setOpen(open);
      if (open) {
        var first = lists.querySelector(".area-check");
        if (first) first.focus();
      }
    });
  }
})();
