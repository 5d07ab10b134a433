// The review page's keys and buttons: s / d / u store a decision at once (POST with the token), k or → skips.
"use strict";
(function () {
  const pair = document.getElementById("pair");
  if (!pair) return;
  const token = pair.dataset.token;
  const next = pair.dataset.next;
  const status = document.getElementById("status");
  const note = document.getElementById("note");
  const keys = { s: "same", d: "different", u: "unsure" };
  let busy = false;

  async function decide(decision) {
    if (busy) return;
    busy = true;
    status.textContent = "saving " + decision + "…";
    try {
      const response = await fetch("/api/decisions?token=" + encodeURIComponent(token), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          left_source: pair.dataset.leftSource, left_record_id: pair.dataset.leftRecordId,
          right_source: pair.dataset.rightSource, right_record_id: pair.dataset.rightRecordId,
          decision: decision, note: note.value || null,
        }),
      });
      const body = await response.json();
      if (!response.ok) throw new Error(body.error || response.statusText);
      status.textContent = "saved: " + decision;
      window.location.assign(next);
    } catch (error) {
      status.textContent = "not saved: " + error.message;
      busy = false;
    }
  }

  function skip() {
    if (!busy) window.location.assign(next);
  }

  document.addEventListener("keydown", function (event) {
    if (event.target === note) {
      if (event.key === "Escape" || event.key === "Enter") note.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key.toLowerCase();
    if (keys[key]) { event.preventDefault(); decide(keys[key]); }
    else if (key === "k" || event.key === "ArrowRight") { event.preventDefault(); skip(); }
  });
  for (const button of document.querySelectorAll("#decide button")) {
    button.addEventListener("click", function () {
      if (button.dataset.skip) skip(); else decide(button.dataset.decision);
    });
  }
})();
