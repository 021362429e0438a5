// The session player's figure: show the figure of the current step. It follows the
// player's own "Step N of M" line, so the player script needs no hook for it. Only the first
// step's figure is in the page; the others are fetched (cached files, kept by the service
// worker) once the page has settled, and put in place hidden until their step comes.
(() => {
  "use strict";
  const count = document.getElementById("step-count");
  const figures = document.querySelectorAll("[data-step-figure]");
  if (!count || figures.length === 0) return;
  const texts = new Map();

  function fetchText(src) {
    if (!texts.has(src)) {
      texts.set(
        src,
        fetch(src, { credentials: "same-origin" })
          .then((response) => (response.ok ? response.text() : ""))
          .catch(() => ""),
      );
    }
    return texts.get(src);
  }

  function place(el) {
    const src = el.dataset.src;
    if (!src || el.dataset.placed) return;
    fetchText(src).then((svg) => {
      if (!svg || el.dataset.placed) return;
      const wrap = document.createElement("figure");
      wrap.className = "technique-figure technique-figure-player";
      wrap.setAttribute("data-testid", "figure");
      wrap.innerHTML = svg;
      el.appendChild(wrap);
      el.dataset.placed = "1";
    });
  }

  function show() {
    const match = /(\d+)/.exec(count.textContent || "");
    const index = match ? Number(match[1]) - 1 : 0;
    figures.forEach((figure) => {
      const current = Number(figure.dataset.stepFigure) === index;
      figure.hidden = !current;
      if (current) place(figure);
    });
  }

  function placeAll() {
    figures.forEach(place);
  }

  new MutationObserver(show).observe(count, { childList: true, characterData: true, subtree: true });
  show();
  // The others once the page has settled: hidden, they cost nothing to draw, and each is
  // then at hand the moment its step comes (and kept for play with no connection).
  if ("requestIdleCallback" in window) window.requestIdleCallback(placeAll, { timeout: 1500 });
  else window.setTimeout(placeAll, 1000);
})();
