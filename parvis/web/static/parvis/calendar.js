// The calendar's behaviour, with no inline script (the pages run under a strict
// Content-Security-Policy):
// - filter forms marked data-autosubmit apply on change;
// - campaign swatches take their colour from data-colour;
// - "+N more" (a[data-more]) brings the rest of a crowded day or half hour in place;
// - drag and drop: drop a post on a day (month view: same time of day) or on a half-hour
//   cell (week view) to reschedule it. The server checks the move exactly as it checks a
//   save; if it refuses, the post stays where it was and its message shows;
// - by keyboard too: on a post, M starts moving it, the arrows choose the day (month) or
//   the half hour (week: up and down) and the day (left and right), Enter moves it there
//   through the same request as a drop, Escape leaves it where it was;
// - the week opens scrolled to the start of the working day (data-opens-at);
// - inputs marked data-select-on-focus select their text (the feed address);
// - on a phone, the calendar opens as the agenda unless a view was chosen.
(function () {
  "use strict";

  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function () { form.submit(); });
  });

  document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
    input.addEventListener("click", function () { input.select(); });
  });

  function paint(root) {
    root.querySelectorAll(".swatch[data-colour]").forEach(function (swatch) {
      swatch.style.backgroundColor = swatch.dataset.colour;  // CSSOM: allowed by the policy
    });
  }
  paint(document);

  // A phone opens the calendar as the agenda (a month is a grid of dots at 390 px),
  // unless a view was chosen.
  const here = new URL(window.location.href);
  if (document.querySelector("[data-calendar]") && !here.searchParams.has("view")
      && window.matchMedia("(max-width: 640px)").matches) {
    here.searchParams.set("view", "agenda");
    window.location.replace(here.toString());
    return;
  }

  const calendar = document.querySelector("[data-calendar]") || document.querySelector(".cal-list");
  if (!calendar) return;
  const status = document.getElementById("cal-status");
  let dragged = null;

  function say(text, isError) {
    if (!status) return;
    status.textContent = text;
    status.hidden = false;
    status.classList.toggle("error", Boolean(isError));
    status.setAttribute("role", isError ? "alert" : "status");
  }

  // "+N more": the next events replace the link (with another link if some are left).
  calendar.addEventListener("click", function (event) {
    const link = event.target instanceof Element ? event.target.closest("a[data-more]") : null;
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    link.setAttribute("aria-busy", "true");
    fetch(link.href, {credentials: "same-origin", headers: {"HX-Request": "true"}}).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.text();
    }).then(function (html) {
      const holder = document.createElement("template");
      holder.innerHTML = html;
      const first = holder.content.querySelector(".event a");
      paint(holder.content);
      link.replaceWith(holder.content);
      if (first) first.focus();
    }).catch(function () {
      link.removeAttribute("aria-busy");
      say(calendar.dataset.failed || "", true);
    });
  });

  if (!calendar.hasAttribute("data-calendar")) return;
  const dropKind = calendar.dataset.view === "week" ? "at" : "day";

  // The week opens at the working day rather than at midnight.
  if (calendar.dataset.opensAt) {
    const row = calendar.querySelector('tr[data-time="' + calendar.dataset.opensAt + '"]');
    const head = calendar.querySelector("thead");
    if (row) calendar.scrollTop = row.offsetTop - (head ? head.offsetHeight : 0);
  }

  // Moving by keyboard: the cells in the page's order are the days of a month row by row,
  // or the week's half hours row by row, seven to a row: up and down are seven cells away.
  let moving = null;
  const steps = {ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7};

  function cells() { return Array.from(calendar.querySelectorAll("[data-drop]")); }

  function aim(index) {
    const all = cells();
    if (index < 0 || index >= all.length) return;
    all[moving.index].classList.remove("drop-over");
    moving.index = index;
    all[index].classList.add("drop-over");
    all[index].scrollIntoView({block: "nearest", inline: "nearest"});
  }

  function stopMoving() {
    if (!moving) return;
    cells()[moving.index].classList.remove("drop-over");
    moving.item.classList.remove("keyboard-moving");
    moving = null;
  }

  calendar.addEventListener("keydown", function (event) {
    const item = event.target instanceof Element ? event.target.closest("[data-reschedule]") : null;
    if (!item) return;
    if (!moving && (event.key === "m" || event.key === "M") && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      moving = {item: item, index: cells().indexOf(item.closest("[data-drop]"))};
      if (moving.index < 0) { moving = null; return; }
      item.classList.add("keyboard-moving");
      aim(moving.index);
      say(calendar.dataset.moveHelp, false);
    } else if (moving && event.key in steps) {
      event.preventDefault();
      aim(moving.index + steps[event.key]);
    } else if (moving && event.key === "Enter") {
      event.preventDefault();
      const target = cells()[moving.index], moved = moving.item;
      stopMoving();
      if (!(target.contains(moved) && dropKind === "day")) move(moved, target);
      const link = moved.querySelector("a");
      if (link) link.focus();
    } else if (moving && event.key === "Escape") {
      event.preventDefault();
      stopMoving();
      say(calendar.dataset.moveCancelled, false);
    }
  });
  calendar.addEventListener("focusout", function (event) {
    if (moving && !moving.item.contains(event.relatedTarget)) stopMoving();
  });

  function cellOf(target) {
    return target instanceof Element ? target.closest("[data-drop]") : null;
  }

  calendar.addEventListener("dragstart", function (event) {
    const item = event.target instanceof Element ? event.target.closest("[data-reschedule]") : null;
    if (!item) return;
    dragged = item;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.dataset.post);
    item.classList.add("dragging");
  });

  calendar.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    calendar.querySelectorAll(".drop-over").forEach(function (c) { c.classList.remove("drop-over"); });
  });

  calendar.addEventListener("dragover", function (event) {
    const cell = cellOf(event.target);
    if (!cell || !dragged) return;
    event.preventDefault();  // allows the drop
    event.dataTransfer.dropEffect = "move";
    cell.classList.add("drop-over");
  });

  calendar.addEventListener("dragleave", function (event) {
    const cell = cellOf(event.target);
    if (cell && !cell.contains(event.relatedTarget)) cell.classList.remove("drop-over");
  });

  calendar.addEventListener("drop", function (event) {
    const cell = cellOf(event.target);
    const item = dragged;
    if (!cell || !item) return;
    event.preventDefault();
    cell.classList.remove("drop-over");
    dragged = null;
    if (cell.contains(item) && dropKind === "day") return;  // same day: nothing to do
    move(item, cell);
  });

  function move(item, cell) {
    const body = new FormData();
    body.append(dropKind, cell.dataset.drop);
    body.append("tz", calendar.dataset.tz);
    item.classList.add("moving");
    fetch(item.dataset.reschedule, {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRFToken": calendar.dataset.csrf, "Accept": "application/json"},
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return {ok: response.ok && data.ok, data: data};
      });
    }).then(function (result) {
      item.classList.remove("moving");
      if (!result.ok) {
        item.classList.add("refused");
        say(result.data.message || calendar.dataset.refused, true);
        return;
      }
      place(item, result.data);
      say(result.data.message, false);
    }).catch(function () {
      item.classList.remove("moving");
      say(calendar.dataset.refused, true);
    });
  }

  // Put the post in the cell of its new time (it may not be the one it was dropped on:
  // in month view the time of day is kept in the zone the post was planned in), before
  // that cell's "+N more" if it has one.
  function place(item, data) {
    item.classList.remove("refused");
    const key = dropKind === "at" ? data.at : data.day;
    const target = calendar.querySelector('[data-drop="' + key + '"]');
    const time = item.querySelector("[data-role=time]");
    if (time) { time.textContent = data.time; time.setAttribute("datetime", data.due_at); }
    if (!target) { item.remove(); return; }
    const more = target.querySelector(":scope > a[data-more]");
    const focused = item.contains(document.activeElement) ? document.activeElement : null;
    target.insertBefore(item, more);
    if (focused) focused.focus();  // moved by keyboard: the keyboard stays on it
  }
})();
