// The tab's one socket to /ws/events/. It reconnects on its own and resumes from its cursor:
// the server sends every event above it that this tab may not have (the channel layer may
// drop messages; the database never does, and the heartbeat fills what the layer dropped).
// It announces every event once as a DOM event `realtime:<type>` on document, and reports
// the person's presence.

const config = JSON.parse(document.getElementById("realtime-config")?.textContent || "null");

const IDLE_AFTER_MS = 5 * 60 * 1000;
const HIDDEN_AWAY_AFTER_MS = 3000;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30000;
const SEEN_LIMIT = 5000;
// The server closes with this code when the session is gone; retrying would only repeat it.
const CLOSE_UNAUTHENTICATED = 4401;
// ... and with this one when the person's rights changed: reconnect at once.
const CLOSE_RECONNECT = 4000;
const MANUAL_AWAY_KEY = "csportal.presence.away";

let socket = null;
let attempts = 0;
let reconnectTimer = null;
let lastMessageAt = 0;
// Everything at or below the cursor has been delivered or shown by the page; above it, the
// ids in `seen` have been. The server moves the cursor only past events that are final.
let cursor = config ? config.cursor : 0;
const seen = new Set(config ? config.shown : []);
// The public groups the page follows (a provider's public page), joined on every connect.
const subscriptions = new Set(config ? config.follow || [] : []);

// ---- Public API ----------------------------------------------------------------------------

/** Call `fn(event)` for every event of `type` ("presence.changed", or "any"). Returns an undo. */
export function on(type, fn) {
  const listener = (domEvent) => fn(domEvent.detail);
  document.addEventListener(`realtime:${type}`, listener);
  return () => document.removeEventListener(`realtime:${type}`, listener);
}

/** Join a per-object group such as "ticket.12"; kept across reconnects. */
export function subscribe(group) {
  subscriptions.add(group);
  send({ action: "subscribe", group });
}

/** The person chose a status: "away" sticks until they choose "online" again. */
export function setPresence(status) {
  if (status === "away") {
    sessionStorage.setItem(MANUAL_AWAY_KEY, "1");
  } else {
    sessionStorage.removeItem(MANUAL_AWAY_KEY);
  }
  lastActivity = Date.now();
  idle = false;
  reportPresence();
}

export const currentUser = config ? config.user : null;

// ---- Connection ----------------------------------------------------------------------------

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify(message));
    return true;
  }
  return false;
}

function showState(state) {
  for (const element of document.querySelectorAll("[data-realtime-status]")) {
    element.dataset.state = state;
  }
}

function connect() {
  reconnectTimer = null;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}${config.socket}`);
  socket = ws;
  ws.addEventListener("open", () => {
    attempts = 0;
    lastMessageAt = Date.now();
    showState("connected");
    for (const group of subscriptions) {
      send({ action: "subscribe", group });
    }
    send({ action: "resume", since: cursor });
    reported = null;
    reportPresence();
  });
  ws.addEventListener("message", (message) => {
    lastMessageAt = Date.now();
    handle(JSON.parse(message.data));
  });
  ws.addEventListener("close", (closeEvent) => {
    if (socket !== ws) {
      return; // Already replaced by dropStale().
    }
    socket = null;
    if (closeEvent.code === CLOSE_UNAUTHENTICATED) {
      showState("closed");
      return;
    }
    if (closeEvent.code === CLOSE_RECONNECT) {
      attempts = 0;
    }
    scheduleReconnect();
  });
}

function scheduleReconnect() {
  showState("reconnecting");
  if (reconnectTimer !== null) {
    return;
  }
  // Exponential backoff with jitter, so a restarted server isn't hit by every tab at once.
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempts);
  const delay = ceiling / 2 + Math.random() * (ceiling / 2);
  attempts += 1;
  reconnectTimer = setTimeout(connect, delay);
}

// A phone that changed networks can keep a dead socket "open" for minutes: if the heartbeat
// stops arriving, give up on it and reconnect.
function dropStale() {
  const limit = config.heartbeat * 1000 * 3 + 5000;
  if (socket && socket.readyState === WebSocket.OPEN && Date.now() - lastMessageAt > limit) {
    const stale = socket;
    socket = null;
    stale.close();
    scheduleReconnect();
  }
}

// ---- Events and resync ---------------------------------------------------------------------

function handle(message) {
  // Not on hello: the resume sent on open is answered by the events above the tab's cursor,
  // and the server's own cursor comes with a later heartbeat, once they are sent.
  if (message.type === "heartbeat" || message.type === "pong") {
    advance(message.cursor);
  } else if (message.type === "error") {
    console.warn("realtime:", message.code, message.group || "");
  } else if (typeof message.id === "number") {
    deliver(message);
  }
}

// A socket resumed from an older cursor keeps sending from there; only what the server calls
// final moves the tab's own cursor, so a reconnect never skips an event committed late.
function advance(serverCursor) {
  if (typeof serverCursor === "number" && serverCursor > cursor) {
    cursor = serverCursor;
    for (const id of seen) {
      if (id <= cursor) {
        seen.delete(id);
      }
    }
  }
}

function deliver(event) {
  // Live sends and resyncs overlap around a reconnect; each event is announced once.
  if (event.id <= cursor || seen.has(event.id)) {
    return;
  }
  seen.add(event.id);
  if (seen.size > SEEN_LIMIT) {
    seen.delete(seen.values().next().value);
  }
  document.dispatchEvent(new CustomEvent(`realtime:${event.type}`, { detail: event }));
  document.dispatchEvent(new CustomEvent("realtime:any", { detail: event }));
}

// ---- Presence ------------------------------------------------------------------------------

let lastActivity = Date.now();
let idle = false;
let reported = null;

function wantedPresence() {
  const manualAway = sessionStorage.getItem(MANUAL_AWAY_KEY) === "1";
  return manualAway || idle || document.visibilityState === "hidden" ? "away" : "online";
}

function reportPresence() {
  if (!config || !config.staff) {
    return;
  }
  const status = wantedPresence();
  if (status !== reported && send({ action: "presence", status })) {
    reported = status;
  }
}

function noteActivity() {
  lastActivity = Date.now();
  if (idle) {
    idle = false;
    reportPresence();
  }
}

function checkIdle() {
  if (!idle && Date.now() - lastActivity > IDLE_AFTER_MS) {
    idle = true;
    reportPresence();
  }
}

// ---- Start ---------------------------------------------------------------------------------

if (config) {
  connect();
  setInterval(dropStale, config.heartbeat * 1000);
  if (config.staff) {
    for (const type of ["pointerdown", "pointermove", "keydown", "scroll", "touchstart"]) {
      window.addEventListener(type, noteActivity, { passive: true });
    }
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") {
        noteActivity();
        reportPresence();
      } else {
        // A page being left is hidden too, just before it goes: only a tab that stays hidden
        // makes its person away, or every click on a link would announce them away and back.
        setTimeout(reportPresence, HIDDEN_AWAY_AFTER_MS);
      }
    });
    setInterval(checkIdle, 30000);
  }
}
