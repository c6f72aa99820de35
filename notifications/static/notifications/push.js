// "Allow browser notifications": registers the service worker and sends the subscription.
// gettext comes from the JavaScript catalog, which base.html loads before any module.
const gettext = window.gettext || ((text) => text);
const SAY = {
  enabled: gettext("Browser notifications are on for this device."),
  denied: gettext("The browser blocked notifications; allow them in its site settings."),
  failed: gettext("Could not turn on browser notifications. Try again."),
  unsupported: gettext("This browser cannot receive push notifications."),
  notConfigured: gettext("Push is not set up on this server yet."),
};
const button = document.querySelector("[data-enable-push]");
const status = document.querySelector("[data-push-status]");

function say(text) {
  if (status) status.textContent = text;
}

function urlBase64ToUint8Array(base64) {
  const padded = (base64 + "=".repeat((4 - (base64.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

function csrfToken() {
  return document.querySelector("[name=csrfmiddlewaretoken]")?.value || "";
}

async function enablePush() {
  const endpoint = button.dataset.endpoint;
  const keyResponse = await fetch(endpoint, { credentials: "same-origin" });
  const { public_key: publicKey } = await keyResponse.json();
  if (!publicKey) {
    say(SAY.notConfigured);
    return;
  }
  const permission = await Notification.requestPermission();
  if (permission !== "granted") {
    say(SAY.denied);
    return;
  }
  const registration = await navigator.serviceWorker.register(button.dataset.worker, { scope: "/" });
  const subscription = await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: urlBase64ToUint8Array(publicKey),
  });
  const response = await fetch(endpoint, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(subscription.toJSON()),
  });
  say(response.ok ? SAY.enabled : SAY.failed);
}

if (button) {
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
    button.disabled = true;
    say(SAY.unsupported);
  } else {
    button.addEventListener("click", () => {
      enablePush().catch(() => say(SAY.failed));
    });
  }
}
