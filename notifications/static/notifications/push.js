// "Allow browser notifications": registers the service worker and sends the subscription.
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
    say(button.dataset.msgNotConfigured);
    return;
  }
  const permission = await Notification.requestPermission();
  if (permission !== "granted") {
    say(button.dataset.msgDenied);
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
  say(response.ok ? button.dataset.msgEnabled : button.dataset.msgFailed);
}

if (button) {
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
    button.disabled = true;
    say(button.dataset.msgUnsupported);
  } else {
    button.addEventListener("click", () => {
      enablePush().catch(() => say(button.dataset.msgFailed));
    });
  }
}
