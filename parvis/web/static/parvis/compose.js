// The composer: files are uploaded into the library as soon as they are picked and shown
// as chosen (thumbnail, alt text for this post), so that nothing picked is lost when the
// post is refused; media ticked in the library picker join them; the date fields show
// only when scheduling. Counting and checks come from the server (one rule set for UI
// and API). Without JavaScript the form still sends the files with the post.
(function () {
  "use strict";
  const form = document.getElementById("composer");
  if (!form) return;
  const input = document.getElementById("id_media");
  const chosen = document.getElementById("chosen-media");
  const status = document.getElementById("upload-status");
  const count = document.getElementById("id_media_count");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]");

  // Kept images and chosen library media count against each network's limit.
  function recount() {
    const ticked = form.querySelectorAll("input[name=keep_media]:checked, input[name=library_media]:checked");
    count.value = input.files.length + ticked.length;
  }

  // The live check (hx-trigger "change" on the form) runs again with the new count.
  function changed() {
    recount();
    form.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function fragment(html) {
    const template = document.createElement("template");
    template.innerHTML = html;  // parvis's own escaped HTML: no script runs from it
    return template.content;
  }

  function choose(item) {
    const asset = item.dataset.asset;
    const same = chosen.querySelector('[data-asset="' + asset + '"]');
    const picked = document.querySelector('#picker [data-asset="' + asset + '"]');
    if (picked) picked.remove();
    if (same) {
      same.querySelector("input[name=library_media]").checked = true;
      return same;
    }
    chosen.append(item);
    return item;
  }

  async function upload(file) {
    const note = document.createElement("p");
    note.className = "help";
    note.textContent = (input.dataset.uploading || "Uploading") + " " + file.name + "…";
    status.append(note);
    const body = new FormData();
    body.append("file", file);
    body.append("csrfmiddlewaretoken", csrf ? csrf.value : "");
    try {
      const response = await fetch(input.dataset.uploadUrl, { method: "POST", body: body, credentials: "same-origin" });
      const answer = fragment(await response.text());
      if (response.ok && answer.firstElementChild) {
        note.remove();
        const alt = choose(answer.firstElementChild).querySelector("input[type=text]");
        if (alt && !alt.value) alt.focus();
        return;
      }
      if (response.status === 400 && answer.firstElementChild) {
        note.replaceWith(answer);  // the reasons the file was refused, on the media field
        return;
      }
      failed(note, file, response.status + " " + response.statusText);
    } catch (error) {
      failed(note, file, error.message);
    }
  }

  function failed(note, file, reason) {
    note.className = "error";
    note.dataset.field = "media";
    note.textContent = file.name + ": " + reason;
  }

  // The file picker, and on a phone the camera (a photo taken now): both upload at once.
  async function picked(event) {
    event.stopPropagation();  // the live check waits for the uploads
    const source = event.target;
    const files = Array.from(source.files);
    if (!files.length) return;
    status.replaceChildren();
    form.classList.add("uploading");
    for (const file of files) await upload(file);  // one at a time: the order is kept
    source.value = "";  // they are in the library now: the form must not send them again
    form.classList.remove("uploading");
    changed();
  }
  input.addEventListener("change", picked);
  const camera = document.getElementById("id_camera");
  if (camera) camera.addEventListener("change", picked);

  function toggleWhen() {
    const mode = form.querySelector("input[name=mode]:checked");
    const scheduling = !mode || mode.value === "schedule";
    form.querySelectorAll("#id_scheduled_at, #id_timezone").forEach(function (el) {
      el.closest(".field").hidden = !scheduling;
    });
  }

  form.addEventListener("change", function (event) {
    const target = event.target;
    if (target.name === "mode") toggleWhen();
    if (target.name === "library_media") {
      // Ticked in the picker: chosen (a search no longer drops it). Unticked: back in the picker.
      const item = target.closest("[data-asset]");
      const grid = document.querySelector("#picker .picker-grid");
      if (target.checked && !chosen.contains(item)) chosen.append(item);
      else if (!target.checked && chosen.contains(item) && grid) grid.prepend(item);
    }
    if (target.name === "keep_media" || target.name === "library_media") recount();
  });
  // Enter in the library search looks for media; it must not save the post.
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.name === "library_q") event.preventDefault();
  });
  // No post leaves while a file is still on its way to the library. A new post keeps a
  // copy on this device as it leaves (drafts.js): without a connection it stays here and
  // is saved as a draft when the connection returns, never lost, never twice.
  const keyed = form.querySelector("input[name=client_key]");
  form.addEventListener("submit", function (event) {
    if (form.classList.contains("uploading")) { event.preventDefault(); return; }
    if (!keyed || !window.parvisDrafts) return;
    window.parvisDrafts.keep(form);
    if (navigator.onLine) return;
    event.preventDefault();
    const banner = document.getElementById("offline-drafts");
    if (banner) {
      banner.textContent = banner.dataset.kept;
      banner.hidden = false;
      banner.scrollIntoView({block: "nearest"});
    }
  });
  if (keyed && window.parvisDrafts) window.parvisDrafts.restore(form);
  toggleWhen();
  recount();
})();
