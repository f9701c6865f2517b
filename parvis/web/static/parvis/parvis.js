// What every page shares, by event delegation on data-* attributes (the
// Content-Security-Policy allows no inline handler, so templates never carry one):
//   <select data-autosubmit>       submits its form when changed (htmx forms too);
//   <form data-confirm="Question"> asks before it is sent, and is not sent on "Cancel".
(function () {
  "use strict";
  if (window.parvisShared) return;
  window.parvisShared = true;

  document.addEventListener("change", function (event) {
    const field = event.target;
    if (!(field instanceof Element) || !field.matches("[data-autosubmit]") || !field.form) return;
    field.form.requestSubmit();  // fires "submit": htmx and data-confirm see it
  });

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
    if (!window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);  // capture: decided before htmx or any other listener sends the form
})();
