// Connect forms (Mastodon, Bluesky): while parvis contacts the server, say so, and
// keep the button from sending the form twice. The server's answer (or the limit it is
// given, stated in the message) comes back as the next page.
(function () {
  "use strict";
  document.querySelectorAll("form[data-connect-form]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var wait = form.querySelector("[data-connect-wait]");
      if (wait) wait.hidden = false;
      form.setAttribute("aria-busy", "true");
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        // After the submit has started: a disabled button would not send the form.
        window.setTimeout(function () { button.disabled = true; }, 0);
      });
    });
  });
})();
