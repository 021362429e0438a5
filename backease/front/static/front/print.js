// The report's Print button. It stays hidden without JavaScript (the page then says to
// press Ctrl+P); the page's security policy keeps handlers out of the HTML itself.
"use strict";
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
