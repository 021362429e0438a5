// The session player's illustration: show the figure of the current step. It follows the
// player's own "Step N of M" line, so the player script needs no hook for it.
(() => {
  "use strict";
  const count = document.getElementById("step-count");
  const figures = document.querySelectorAll("[data-step-figure]");
  if (!count || figures.length === 0) return;

  function show() {
    const match = /(\d+)/.exec(count.textContent || "");
    const index = match ? Number(match[1]) - 1 : 0;
    figures.forEach((figure) => {
      figure.hidden = Number(figure.dataset.stepFigure) !== index;
    });
  }

  new MutationObserver(show).observe(count, { childList: true, characterData: true, subtree: true });
  show();
})();
