// Moves each message's status badge as the worker and the provider report on it.
import { subscribe } from "../js/realtime.js";

const page = document.querySelector("[data-live-group]");
if (page) {
  subscribe(page.dataset.liveGroup);
}

document.addEventListener("realtime:notification.status", (event) => {
  for (const change of event.detail.data.notifications) {
    const row = document.querySelector(`[data-delivery-id="${change.id}"]`);
    if (!row) continue;
    row.querySelector("[data-field=status]").dataset.status = change.status;
    row.querySelector("[data-field=error]").textContent = change.error || "";
  }
});
