// A ticket's page, the customer's or the staff's: every change to this ticket shows up as it
// happens. The server sends the ticket's summary and the new timeline entry (the customer's
// socket never receives internal ones); entries are cloned from a <template> and filled with
// textContent only, so nothing a person typed is ever parsed as HTML. One event goes to every
// reader of the ticket, whatever their language: an automatic entry comes as what changed,
// and is worded here as tickets/timeline.py words it on the server.
import { formatDateTime } from "../js/formats.js";
import "../js/realtime.js";

const root = document.querySelector("[data-ticket-page]");
const config = JSON.parse(document.getElementById("ticket-page").textContent);
const lang = document.documentElement.lang || undefined;
const SIZE_UNITS = ["byte", "kilobyte", "megabyte", "gigabyte"];

let shown = null; // the summary last applied, to touch only what changed

function field(element, name) {
  return element.querySelector(`[data-field="${name}"]`);
}

function showTime(element) {
  if (element.dateTime) {
    element.textContent = formatDateTime(element.dateTime, { timeZone: config.timezone });
  }
}

function fileSize(bytes) {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return new Intl.NumberFormat(lang, {
    style: "unit",
    unit: SIZE_UNITS[unit],
    unitDisplay: "short",
    maximumFractionDigits: unit ? 1 : 0,
  }).format(value);
}

function attachmentItem(attachment) {
  const template = document.getElementById("attachment-template");
  const item = template.content.firstElementChild.cloneNode(true);
  const link = field(item, "link");
  link.href = attachment.url;
  link.textContent = attachment.name;
  field(item, "size").textContent = fileSize(attachment.size);
  return item;
}

// An automatic entry's words from its data, or null when the data lacks something (older
// entries): it then reads as stored. The same strings as tickets/timeline.py.
const WORDING = {
  status: (data) => statusText(data.to),
  status_request: (data) => statusText(data.status),
  priority: (data) => {
    const priority = (config.priorities || {})[data.to];
    return priority ? interpolate(gettext("Priority: %(priority)s."), { priority }, true) : null;
  },
  assignment: (data) => {
    if ("assignee" in data && data.assignee === null) {
      return gettext("Returned to the queue.");
    }
    const name = data.name;
    return name ? interpolate(gettext("Assigned to %(name)s."), { name }, true) : null;
  },
  reminder: (data) => {
    const point = (config.due_points || {})[data.due_point];
    if (!point || !data.due || !Number.isInteger(data.sequence)) {
      return null;
    }
    const due = formatDateTime(data.due, { timeZone: config.timezone });
    return interpolate(
      gettext("%(point)s overdue since %(due)s (reminder %(n)s)."),
      { point, due, n: data.sequence },
      true,
    );
  },
  escalation: () => gettext("Escalated to the managers."),
};

function statusText(value) {
  const status = config.statuses[value];
  return status ? interpolate(gettext("Status: %(status)s."), { status }, true) : null;
}

function entryText(update) {
  const word = WORDING[update.kind];
  return (word && word(update.data || {})) ?? update.body;
}

function appendUpdate(update) {
  const timeline = root.querySelector("[data-timeline]");
  if (timeline.querySelector(`[data-update-id="${update.id}"]`)) {
    return; // already rendered by the server, or delivered twice around a reconnect
  }
  const template = document.getElementById("update-template");
  const item = template.content.firstElementChild.cloneNode(true);
  item.id = `update-${update.id}`;
  item.dataset.updateId = update.id;
  item.dataset.kind = update.kind;
  item.dataset.public = String(update.is_public);
  field(item, "kind").textContent = config.kinds[update.kind] || update.kind_label;
  field(item, "author").textContent = update.author || "";
  const time = field(item, "time");
  time.dateTime = update.created_at;
  showTime(time);
  field(item, "body").textContent = entryText(update);
  const files = field(item, "attachments");
  for (const attachment of update.attachments || []) {
    files.append(attachmentItem(attachment));
  }
  item.classList.add("update--arrived");
  timeline.append(item);
}

function setText(name, text) {
  for (const element of root.querySelectorAll(`[data-field="${name}"]`)) {
    element.textContent = text;
  }
}

function showStatus(ticket) {
  root.dataset.status = ticket.status;
  for (const badge of root.querySelectorAll('[data-field="status"]')) {
    badge.dataset.status = ticket.status;
    badge.textContent = config.statuses[ticket.status] || ticket.status_label;
  }
  for (const element of root.querySelectorAll("[data-show-for]")) {
    const forStatus = element.dataset.showFor.split(" ").includes(ticket.status);
    const needsResult = element.hasAttribute("data-needs-result") && !ticket.result;
    element.hidden = !forStatus || needsResult;
  }
}

// Staff only: the handling forms offer what is possible now, without losing a choice the
// agent is making unless the value it is about really changed.
function showHandling(ticket) {
  const statusSelect = root.querySelector('form[action$="/status/"] select');
  if (statusSelect && shown?.status !== ticket.status) {
    const choices = [ticket.status, ...config.next_statuses[ticket.status]];
    statusSelect.replaceChildren(
      ...choices.map((value) => {
        const current = value === ticket.status;
        return new Option(config.statuses[value], value, current, current);
      }),
    );
  }
  const prioritySelect = root.querySelector('form[action$="/priority/"] select');
  if (prioritySelect && shown?.priority !== ticket.priority) {
    prioritySelect.value = ticket.priority;
  }
  const assigneeId = ticket.assignee ? ticket.assignee.id : null;
  const assignSelect = root.querySelector('form[action$="/assign/"] select');
  if (assignSelect && (shown?.assignee?.id ?? null) !== assigneeId) {
    assignSelect.value = assigneeId === null ? "" : String(assigneeId);
  }
  const take = root.querySelector("[data-take]");
  if (take) {
    take.hidden = assigneeId === config.me;
  }
  const overdue = field(root, "overdue");
  if (overdue) {
    overdue.hidden = !ticket.overdue;
  }
  const priority = field(root, "priority");
  if (priority) {
    priority.dataset.priority = ticket.priority;
    priority.textContent = config.priorities[ticket.priority] || ticket.priority;
  }
}

function showTicket(ticket) {
  showStatus(ticket);
  setText("assignee", ticket.assignee ? ticket.assignee.name : config.nobody);
  setText("result", ticket.result);
  if (config.staff) {
    showHandling(ticket);
  }
  shown = ticket;
}

document.addEventListener("realtime:ticket.updated", (event) => {
  const { ticket, update } = event.detail.data;
  if (ticket.id !== config.ticket) {
    return;
  }
  if (update && (update.is_public || config.staff)) {
    appendUpdate(update);
  }
  showTicket(ticket);
});

// Times read the same whether the server or this script wrote them.
for (const time of document.querySelectorAll("main time[datetime]")) {
  showTime(time);
}

// A refused form comes back with its errors below the timeline: take the person to it.
document.querySelector("main .field--invalid :is(textarea, input, select)")?.focus();
