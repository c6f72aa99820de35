// Staff pages: keep presence badges, the "online now" list and the own-status toggle live.
// The manager console's staff rows refresh themselves through htmx (see manager_console.html).

import { currentUser, on, setPresence } from "./realtime.js";

// The newest status heard per user, re-applied when htmx swaps in rows rendered earlier.
const known = new Map();

function applyStatus(userId, status) {
  for (const badge of document.querySelectorAll(`[data-presence-user="${userId}"]`)) {
    badge.dataset.status = status;
  }
  for (const item of document.querySelectorAll(`[data-online-user="${userId}"]`)) {
    item.dataset.status = status;
  }
  if (userId === currentUser) {
    for (const button of document.querySelectorAll("[data-presence-set]")) {
      button.setAttribute("aria-pressed", String(button.dataset.presenceSet === status));
    }
  }
}

// Someone not on the list when the page was rendered (they joined since) came online.
function addToOnlineLists(userId, name) {
  for (const list of document.querySelectorAll("[data-online-list]")) {
    if (list.querySelector(`[data-online-user="${userId}"]`)) {
      continue;
    }
    const template = list.parentElement.querySelector("template[data-online-template]");
    const item = template.content.firstElementChild.cloneNode(true);
    item.dataset.onlineUser = userId;
    item.querySelector(".person__name").textContent = name;
    item.querySelector("[data-presence-user]").dataset.presenceUser = userId;
    list.append(item);
  }
}

function removeFromOnlineLists(userId) {
  for (const item of document.querySelectorAll(`[data-online-user="${userId}"]`)) {
    item.remove();
  }
}

// Announced in batches: everyone whose status changed since the last announcement.
on("presence.changed", ({ data }) => {
  for (const person of data.people) {
    known.set(person.user, person.status);
    if (person.status !== "offline") {
      addToOnlineLists(person.user, person.name);
    }
    applyStatus(person.user, person.status);
  }
});

on("staff.changed", ({ data }) => {
  if (!data.is_active) {
    removeFromOnlineLists(data.user);
  }
});

document.addEventListener("htmx:afterSettle", () => {
  for (const [userId, status] of known) {
    applyStatus(userId, status);
  }
});

for (const button of document.querySelectorAll("[data-presence-set]")) {
  button.addEventListener("click", () => setPresence(button.dataset.presenceSet));
}
