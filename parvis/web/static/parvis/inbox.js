// The inbox by keyboard: j/k move through the list (and open), e/p/u set the status,
// a assigns, l labels, r replies, s snoozes, / searches, x selects, ? shows the help.
// Keys are never taken while the person types in a field. The server does the work; this
// only presses the pane's own buttons, so every shortcut is also a visible control.
// Inbound text is never put in the page from here: rows and panes come rendered (and
// escaped) by the server; this moves DOM nodes and sets textContent only.
(function () {
  "use strict";
  const root = document.getElementById("inbox");
  if (!root || typeof htmx === "undefined") return;

  // Errors (400, named by field) replace the pane like a success does, so they are seen.
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "400", swap: true, error: false },
    { code: "[45]..", swap: false, error: true },
  ];

  const pane = document.getElementById("inbox-pane");
  let currentId = null;

  function list() { return document.getElementById("inbox-rows"); }
  function rows() { return Array.from(document.querySelectorAll("#inbox-rows > li.inbox-row")); }
  function rowOf(id) { return document.getElementById("row-" + id); }
  function openId() {
    const article = pane.querySelector("[data-item]");
    return article ? article.dataset.item : null;
  }

  function mark(id) {
    currentId = id;
    rows().forEach(function (row) {
      const on = row.dataset.id === String(id);
      row.classList.toggle("current", on);
      if (on) row.setAttribute("aria-current", "true"); else row.removeAttribute("aria-current");
    });
    const row = rowOf(id);
    if (row) row.scrollIntoView({ block: "nearest" });
  }

  function open(row) {
    if (!row) return;
    mark(row.dataset.id);
    const link = row.querySelector("a.row-link");
    if (link) link.click();  // htmx: fetches the pane, pushes the URL
  }

  function step(delta) {
    const all = rows();
    if (!all.length) return;
    const index = all.findIndex(function (row) { return row.dataset.id === String(currentId); });
    const next = index < 0 ? all[0] : all[index + delta];
    if (next) open(next);
  }

  function press(selector) {
    const target = pane.querySelector(selector);
    if (!target) return false;
    if (target.tagName === "FORM") target.requestSubmit(); else target.click();
    return true;
  }

  function focus(selector) {
    const field = document.querySelector(selector);
    if (!field) return;
    field.focus();
    if (field.select && field.type !== "datetime-local") field.select();
  }

  function openLabels() {
    const picker = pane.querySelector("#label-picker");
    if (!picker) return;
    picker.open = true;
    const filter = picker.querySelector("#label-filter");
    if (filter) { filter.value = ""; filterLabels(filter); filter.focus(); }
  }

  function filterLabels(filter) {
    const wanted = filter.value.trim().toLowerCase();
    filter.closest("details").querySelectorAll("li[data-label-name]").forEach(function (li) {
      li.hidden = wanted !== "" && li.dataset.labelName.indexOf(wanted) < 0;
    });
  }

  function toggleSelect() {
    const row = rowOf(currentId);
    if (!row) return;
    const box = row.querySelector("input[type=checkbox]");
    box.checked = !box.checked;
    refreshBulk();
  }

  function refreshBulk() {
    const bulk = document.getElementById("inbox-bulk");
    if (!bulk) return;
    const ticked = document.querySelectorAll("#inbox-rows input[name=ids]:checked").length;
    bulk.hidden = ticked === 0;
    bulk.querySelector("[data-selected-count]").textContent = String(ticked);
  }

  function typing(target) {
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }

  function whileTyping(event) {
    const target = event.target;
    if (event.key === "Escape") {
      const picker = target.closest("details");
      if (picker) picker.open = false;
      target.blur();
      event.preventDefault();
    } else if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target.id === "reply-text") {
      event.preventDefault();
      target.form.requestSubmit();
    } else if (event.key === "Enter" && target.id === "label-filter") {
      event.preventDefault();
      const first = Array.from(target.closest("details").querySelectorAll("li[data-label-name]"))
        .find(function (li) { return !li.hidden; });
      if (first) first.querySelector("button").click();
    }
  }

  const KEYS = {
    j: function () { step(1); },
    k: function () { step(-1); },
    o: function () { open(rowOf(currentId) || rows()[0]); },
    Enter: function () { open(rowOf(currentId) || rows()[0]); },
    e: function () { press("form[data-status=done]"); },
    p: function () { press("form[data-status=pending]"); },
    u: function () { press("form[data-status=open]"); },
    a: function () { press("[data-assign-me]"); },
    A: function () { focus("#assignee-select"); },
    l: openLabels,
    r: function () { focus("#reply-text"); },
    s: function () { press("#snooze-tomorrow button[value=tomorrow]"); },
    S: function () { focus("#snooze-at"); },
    "/": function () { focus("#inbox-q"); },
    x: toggleSelect,
    "?": function () {
      const help = document.getElementById("inbox-help");
      if (help.open) help.close(); else help.showModal();
    },
  };

  document.addEventListener("keydown", function (event) {
    if (typing(event.target)) { whileTyping(event); return; }
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    // Enter on a focused link or button is that control's own.
    if (event.key === "Enter" && event.target.closest("a, button, summary")) return;
    const help = document.getElementById("inbox-help");
    if (help && help.open && event.key !== "?") return;
    const action = KEYS[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });

  document.addEventListener("input", function (event) {
    if (event.target.id === "label-filter") filterLabels(event.target);
    if (event.target.id === "reply-text") countReply(event.target);
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches("#inbox-rows input[name=ids]")) refreshBulk();
  });
  // A row clicked with the mouse becomes the current one too.
  document.addEventListener("click", function (event) {
    const link = event.target.closest && event.target.closest("#inbox-rows a.row-link");
    if (link) mark(link.closest("li").dataset.id);
  });

  function countReply(area) {
    const out = document.querySelector("#reply-count [data-count]");
    if (!out) return;
    const length = Array.from(area.value).length;  // code points, as the server counts roughly
    out.textContent = String(length);
    out.parentElement.classList.toggle("over", area.dataset.max && length > Number(area.dataset.max));
  }

  // After a status change: "done" moves on to the next item; the row was already
  // refreshed by the response (out-of-band).
  document.body.addEventListener("inbox:acted", function (event) {
    const detail = event.detail || {};
    mark(detail.id);
    if (detail.action === "status" && detail.status === "done") step(1);
  });

  // The pane was swapped (opened, acted, back/forward): keep the list's selection on it.
  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target === pane) {
      const id = openId();
      if (id) mark(id);
      const area = document.getElementById("reply-text");
      if (area) countReply(area);
    }
  });

  // -- new items without reloading -------------------------------------------------------
  const poll = document.getElementById("inbox-poll");
  let fresh = 0;

  function newest() {
    let max = Number(poll.dataset.newest || 0);
    rows().forEach(function (row) { max = Math.max(max, Number(row.dataset.id)); });
    return max;
  }

  document.body.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt === poll) event.detail.parameters.after = String(newest());
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    const incoming = document.getElementById("inbox-incoming");
    if (event.detail.target !== incoming) return;
    // Already listed (the incoming copy has the same id: look in the list itself).
    const arrived = Array.from(incoming.children).filter(function (li) {
      return !list().querySelector("#row-" + li.dataset.id);
    });
    arrived.forEach(function (li) { poll.dataset.newest = String(Math.max(newest(), Number(li.dataset.id))); });
    const paged = list().dataset.paged === "1";
    if (!paged) {
      // Newest first: put them on top in their order; the current row keeps its mark.
      arrived.slice().reverse().forEach(function (li) { list().prepend(li); });
      const empty = document.querySelector("[data-testid=inbox-empty]");
      if (empty && arrived.length) empty.remove();
    }
    incoming.replaceChildren();
    if (!arrived.length) return;
    fresh += arrived.length;
    const notice = document.getElementById("inbox-new-notice");
    const text = fresh === 1 ? notice.dataset.one : notice.dataset.many.replace("%(n)s", String(fresh));
    notice.querySelector("span").textContent = text;
    notice.hidden = false;
    if (currentId) mark(currentId);
  });

  // -- on a phone: the list, then one conversation; large actions; swiping a row ----------
  const narrow = window.matchMedia("(max-width: 900px)");
  const toast = document.getElementById("inbox-toast");
  let undo = null;

  function reading(on) {
    root.classList.toggle("reading", on);
    if (on && narrow.matches) window.scrollTo(0, 0);
  }

  function say(text, undoWith) {
    if (!toast) return;
    toast.querySelector("span").textContent = text;
    const button = toast.querySelector("[data-undo]");
    undo = undoWith || null;
    button.hidden = !undo;
    button.textContent = root.dataset.undo;
    toast.hidden = false;
    clearTimeout(say.timer);
    say.timer = setTimeout(function () { toast.hidden = true; undo = null; }, 6000);
  }

  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target === pane && openId()) reading(true);
  });

  document.addEventListener("click", function (event) {
    if (!(event.target instanceof Element)) return;
    const back = event.target.closest("[data-back-to-list]");
    if (back && narrow.matches) {
      // Back to the list where it was (no reload): the row read last is in view, focused.
      event.preventDefault();
      reading(false);
      window.history.pushState({}, "", root.dataset.listUrl);
      const row = rowOf(currentId);
      if (row) {
        row.scrollIntoView({ block: "center" });
        const link = row.querySelector("a.row-link");
        if (link) link.focus({ preventScroll: true });
      }
      return;
    }
    const presser = event.target.closest("[data-press]");
    if (presser) { press(presser.dataset.press); return; }
    const focuser = event.target.closest("[data-focus]");
    if (focuser) {
      const field = pane.querySelector(focuser.dataset.focus);
      if (field) { field.scrollIntoView({ block: "center" }); field.focus(); }
      return;
    }
    if (event.target.closest("[data-undo]") && undo) { undo(); toast.hidden = true; }
  });

  function csrf() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function act(row, action, values) {
    const url = new URL(row.dataset.url, window.location.href);
    const body = new FormData();
    Object.keys(values).forEach(function (name) { body.append(name, values[name]); });
    body.append("list", url.search.replace(/^\?/, ""));
    body.append("csrfmiddlewaretoken", csrf());
    return fetch(url.pathname + "act/" + action + "/", {
      method: "POST", body: body, credentials: "same-origin", headers: { "HX-Request": "true" },
    }).then(function (response) { if (!response.ok) throw new Error(String(response.status)); });
  }

  // Swipe a row: to the left, done (it leaves an "open" list; Undo brings it back); to the
  // right, assigned to me. Less than a third of the row's width springs back.
  let swipe = null;
  document.addEventListener("touchstart", function (event) {
    const row = event.target instanceof Element ? event.target.closest("#inbox-rows > li.inbox-row") : null;
    if (!row || event.touches.length !== 1 || !narrow.matches) return;
    swipe = { row: row, x: event.touches[0].clientX, y: event.touches[0].clientY, dx: 0, sideways: null };
  }, { passive: true });

  document.addEventListener("touchmove", function (event) {
    if (!swipe) return;
    const dx = event.touches[0].clientX - swipe.x, dy = event.touches[0].clientY - swipe.y;
    if (swipe.sideways === null && Math.abs(dx) + Math.abs(dy) > 12) swipe.sideways = Math.abs(dx) > Math.abs(dy);
    if (!swipe.sideways) return;
    swipe.dx = dx;
    swipe.row.classList.add("swiping");
    swipe.row.style.transform = "translateX(" + dx + "px)";
  }, { passive: true });

  document.addEventListener("touchend", function () {
    if (!swipe) return;
    const done = swipe, row = done.row;
    swipe = null;
    row.classList.remove("swiping");
    if (!done.sideways || Math.abs(done.dx) < row.offsetWidth / 3) { row.style.transform = ""; return; }
    if (done.dx < 0) {
      const next = row.nextElementSibling, parent = row.parentElement;
      row.style.transform = "translateX(-100%)";
      row.classList.add("swiped-away");
      act(row, "status", { status: "done" }).then(function () {
        setTimeout(function () { row.remove(); }, 200);
        say(root.dataset.swipedDone, function () {
          act(row, "status", { status: "open" }).then(function () {
            row.style.transform = "";
            row.classList.remove("swiped-away");
            parent.insertBefore(row, next && next.parentElement === parent ? next : null);
          });
        });
      }).catch(function () {
        row.style.transform = "";
        row.classList.remove("swiped-away");
        say(root.dataset.swipeFailed);
      });
    } else {
      row.style.transform = "";
      act(row, "assign", { assignee: "me" }).then(function () { say(root.dataset.swipedMine); })
        .catch(function () { say(root.dataset.swipeFailed); });
    }
  });

  const first = openId();
  if (first) mark(first);
  refreshBulk();
})();
