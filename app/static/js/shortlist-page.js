/* The shared shortlist's page: a "Print this list" button (the page works and prints without it). */
(function () {
  "use strict";
  var button = document.getElementById("print-list");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
