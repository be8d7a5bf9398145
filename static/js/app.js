// Behaviour the templates would otherwise put inline: the Content-Security-Policy (config/settings)
// allows scripts only from our own files, and no style attribute.
(function () {
  "use strict";

  // Progress bars: the width comes from data-percent (0–100), set through the CSSOM, which the policy
  // allows, instead of a style="width: …" attribute, which it refuses.
  function sizeBars(root) {
    root.querySelectorAll("[data-percent]").forEach(function (bar) {
      var percent = Math.max(0, Math.min(100, parseFloat(bar.dataset.percent) || 0));
      bar.style.width = percent + "%";
    });
  }

  if (window.htmx) {
    htmx.onLoad(sizeBars); // the page itself, then each piece htmx swaps in
  } else {
    document.addEventListener("DOMContentLoaded", function () { sizeBars(document); });
  }
})();
