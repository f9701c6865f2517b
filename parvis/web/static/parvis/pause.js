// Resume page: show the time fields only for rows being rescheduled, "apply to all"
// buttons, and the preview of what resuming will do. The server decides; this only helps.
(function () {
  "use strict";
  const form = document.getElementById("resume");
  if (!form) return;
  const selects = Array.from(form.querySelectorAll("select[data-action]"));

  function refresh() {
    const counts = { publish_now: 0, reschedule: 0, drop: 0 };
    selects.forEach(function (select) {
      counts[select.value] += 1;
      select.closest("td").querySelector("[data-when]").hidden = select.value !== "reschedule";
    });
    Object.keys(counts).forEach(function (action) {
      const out = form.querySelector("[data-count=" + action + "]");
      if (out) out.textContent = counts[action];
    });
  }

  function applyToAll(action) {
    // Rescheduling all: rows left without a time take the first time given.
    const first = form.querySelector("[data-when] input[type=datetime-local]");
    selects.forEach(function (select) {
      select.value = action;
      const when = select.closest("td").querySelector("input[type=datetime-local]");
      if (action === "reschedule" && first && !when.value) when.value = first.value;
    });
    refresh();
  }

  form.querySelectorAll("button[data-all]").forEach(function (button) {
    button.addEventListener("click", function () { applyToAll(button.dataset.all); });
  });
  selects.forEach(function (select) { select.addEventListener("change", refresh); });
  refresh();
})();
