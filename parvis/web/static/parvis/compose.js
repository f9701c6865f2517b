// The composer: one alt-text field per chosen image, and the date fields only when
// scheduling. Counting and checks come from the server (one rule set for UI and API).
(function () {
  "use strict";
  const form = document.getElementById("composer");
  if (!form) return;
  const input = document.getElementById("id_media");
  const alts = document.getElementById("alts");
  const count = document.getElementById("id_media_count");
  // Kept images and media ticked in the library picker count against each network's limit.
  const kept = () => form.querySelectorAll("input[name=keep_media]:checked, input[name=library_media]:checked").length;
  const label = alts.dataset.label || "Alt text for";

  function renderAlts() {
    alts.replaceChildren();
    Array.from(input.files).forEach(function (file, i) {
      const wrap = document.createElement("div");
      wrap.className = "field alt";
      const lab = document.createElement("label");
      lab.htmlFor = "id_alt_" + i;
      lab.textContent = label + " " + file.name;
      const field = document.createElement("input");
      field.type = "text";
      field.name = "alt_" + i;
      field.id = "id_alt_" + i;
      field.maxLength = 1500;
      wrap.append(lab, field);
      alts.append(wrap);
    });
    count.value = input.files.length + kept();
  }

  function toggleWhen() {
    const mode = form.querySelector("input[name=mode]:checked");
    const scheduling = !mode || mode.value === "schedule";
    form.querySelectorAll("#id_scheduled_at, #id_timezone").forEach(function (el) {
      el.closest(".field").hidden = !scheduling;
    });
  }

  input.addEventListener("change", renderAlts);
  form.addEventListener("change", function (event) {
    if (event.target.name === "mode") toggleWhen();
    if (event.target.name === "keep_media" || event.target.name === "library_media") {
      count.value = input.files.length + kept();
    }
  });
  // Enter in the library search looks for media; it must not save the post.
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.name === "library_q") event.preventDefault();
  });
  toggleWhen();
})();
