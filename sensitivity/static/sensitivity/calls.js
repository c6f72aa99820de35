// The confirmation call list, live: when a code or a call changes (a visit finished, a call
// recorded by a colleague), the list is fetched again. A call whose form is being filled in
// keeps its form as it is; the others, and the recently called, take the new version.
import "../js/realtime.js";
import { start } from "./codes.js";

const DELAY_MS = 300;
let timer = null;
let running = null;

function touched(entry) {
  const form = entry.querySelector("[data-call-form]");
  return Boolean(form && (form.dataset.touched || form.contains(document.activeElement)));
}

async function refresh() {
  const list = document.getElementById("call-list");
  if (!list) {
    return;
  }
  running?.abort();
  running = new AbortController();
  let html;
  try {
    const response = await fetch(list.dataset.refresh, {
      headers: { "HX-Request": "true" },
      signal: running.signal,
      credentials: "same-origin",
    });
    if (!response.ok) {
      return;
    }
    html = await response.text();
  } catch {
    return; // Aborted by a newer refresh, or offline: the next event or reload catches up.
  }
  const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("call-list");
  if (!fresh) {
    return;
  }
  for (const entry of fresh.querySelectorAll("article[data-call]")) {
    const current = document.getElementById(entry.id);
    if (current && touched(current)) {
      entry.replaceWith(current);
    }
  }
  list.replaceWith(fresh);
  start(fresh);
}

document.addEventListener("input", (event) => {
  const form = event.target.closest("[data-call-form]");
  if (form) {
    form.dataset.touched = "true";
  }
});

document.addEventListener("realtime:sensitivity.changed", () => {
  clearTimeout(timer);
  timer = setTimeout(refresh, DELAY_MS);
});
