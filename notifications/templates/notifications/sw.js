// csportal service worker: shows Web Push notifications while no tab is open.
self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = { title: event.data ? event.data.text() : "csportal" };
  }
  event.waitUntil(
    self.registration.showNotification(message.title || "csportal", {
      body: message.body || "",
      tag: message.id ? `notification-${message.id}` : undefined,
      data: { link: message.link || "/notifications/" },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const link = new URL(event.notification.data.link, self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((client) => client.url === link);
      return open ? open.focus() : self.clients.openWindow(link);
    }),
  );
});
