// Keeps the bell's unread count and the inbox list current as notifications arrive.
import { formatDateTime } from "../js/formats.js";
import "../js/realtime.js";

const counts = () => document.querySelectorAll("[data-unread-count]");

function showCount(unread) {
  for (const badge of counts()) {
    badge.textContent = unread > 99 ? "99+" : String(unread);
    badge.hidden = unread === 0;
  }
}

function prepend(notification) {
  const list = document.querySelector("[data-notification-list]");
  const template = document.querySelector("#notification-item");
  if (!list || !template) return;
  const item = template.content.firstElementChild.cloneNode(true);
  item.dataset.notificationId = notification.id;
  item.querySelector("[data-field=title]").textContent = notification.title;
  item.querySelector("[data-field=body]").textContent = notification.body;
  const time = item.querySelector("[data-field=time]");
  time.dateTime = notification.created_at;
  time.textContent = formatDateTime(notification.created_at);
  const form = item.querySelector("form");
  // getAttribute: a cloned template node has no base URL, so form.action reads as "".
  form.setAttribute("action", form.getAttribute("action").replace("/0/", `/${notification.id}/`));
  list.querySelector("[data-empty]")?.remove();
  list.prepend(item);
}

document.addEventListener("realtime:notification.created", (event) => {
  showCount(event.detail.data.unread);
  prepend(event.detail.data);
});

document.addEventListener("realtime:notification.read", (event) => {
  showCount(event.detail.data.unread);
});
