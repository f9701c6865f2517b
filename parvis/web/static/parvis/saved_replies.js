// The saved replies picker (parvis/inbox/_saved_replies.html): a click on a saved reply
// puts its text, already filled in by the server, into the reply box of #reply-form.
// The text carries an author's name from the network: it is only ever set as a value,
// never parsed as HTML. Counting the use is htmx's job (hx-post on the same button).
(function () {
  "use strict";
  if (window.parvisSavedReplies) return; // the partial may be swapped in more than once
  window.parvisSavedReplies = true;

  function replyBox() {
    return document.querySelector('#reply-form textarea[name="text"]');
  }

  // Where the person last left the cursor; until they touch the box, text goes at the end.
  document.addEventListener("focusin", function (event) {
    if (event.target === replyBox()) event.target.dataset.savedReplyTouched = "1";
  });

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-saved-reply-text]") : null;
    var box = replyBox();
    if (!button || !box) return;
    var text = button.getAttribute("data-saved-reply-text") || "";
    var start = box.value.length, end = box.value.length;
    if (box.dataset.savedReplyTouched) {
      start = box.selectionStart;
      end = box.selectionEnd;
    } else if (box.value && !/\s$/.test(box.value)) {
      text = "\n" + text;
    }
    box.setRangeText(text, start, end, "end");
    // Counters and previews listen to input events, as if the person had typed it.
    box.dispatchEvent(new Event("input", { bubbles: true }));
    box.focus();
  });

  // The search box may sit inside #reply-form: Enter there must not send the reply.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target instanceof Element && event.target.matches("[data-saved-reply-search]")) {
      event.preventDefault();
    }
  });
})();
