// The calendar's drag and drop: drop a post on a day (month view: same time of day) or
// on a half-hour cell (week view) to reschedule it. The server checks the move exactly
// as it checks a save; if it refuses, the post stays where it was and its message shows.
(function () {
  "use strict";
  const calendar = document.querySelector("[data-calendar]");
  if (!calendar) return;
  const status = document.getElementById("cal-status");
  let dragged = null;

  function say(text, isError) {
    status.textContent = text;
    status.hidden = false;
    status.classList.toggle("error", Boolean(isError));
    status.setAttribute("role", isError ? "alert" : "status");
  }

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
    if (cell.contains(item) && cell.dataset.dropKind === "day") return;  // same day: nothing to do
    move(item, cell);
  });

  function move(item, cell) {
    const body = new FormData();
    body.append(cell.dataset.dropKind, cell.dataset.drop);
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
  // in month view the time of day is kept in the zone the post was planned in).
  function place(item, data) {
    item.classList.remove("refused");
    const key = calendar.dataset.view === "week" ? data.at : data.day;
    const target = calendar.querySelector('[data-drop="' + key + '"]');
    const time = item.querySelector("[data-role=time]");
    if (time) { time.textContent = data.time; time.setAttribute("datetime", data.due_at); }
    if (target) target.appendChild(item); else item.remove();
  }
})();
