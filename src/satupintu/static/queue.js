// Queue pages: the print button (a kiosk prints each new ticket at once). Self-hosted, no inline script.
document.addEventListener("DOMContentLoaded", function () {
  var button = document.querySelector("[data-print]");
  if (!button) return;
  button.addEventListener("click", function () { window.print(); });
  if (button.hasAttribute("data-autoprint")) window.print();
});
