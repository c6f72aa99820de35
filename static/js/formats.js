// Dates and times written exactly as the server writes them (csportal/dates.py): the format
// strings of the page's language come from the JavaScript catalog (get_format, loaded by
// base.html before any module), the time zone from <html data-timezone>. So a row that
// arrives live reads like the rows rendered with the page.

const root = document.documentElement;
const language = root.lang || "en";
const pageZone = root.dataset.timezone || "UTC";

function formatString(name) {
  return typeof window.get_format === "function" ? window.get_format(name) : name;
}

const numbers = new Map();
const names = new Map();

// The wall-clock fields of `date` in `timeZone`, as numbers.
function fields(date, timeZone) {
  const key = timeZone;
  if (!numbers.has(key)) {
    numbers.set(
      key,
      new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      }),
    );
  }
  const result = {};
  for (const { type, value } of numbers.get(key).formatToParts(date)) {
    result[type] = Number(value);
  }
  return result;
}

// A month or weekday name in the page's language.
function name(date, timeZone, option) {
  const key = `${timeZone} ${JSON.stringify(option)}`;
  if (!names.has(key)) {
    names.set(key, new Intl.DateTimeFormat(language, { timeZone, ...option }));
  }
  return names.get(key).format(date);
}

const pad = (value) => String(value).padStart(2, "0");

// Django's date format characters that csportal/formats use, and a few neighbours.
const CHARACTERS = {
  d: (f) => pad(f.day),
  j: (f) => String(f.day),
  m: (f) => pad(f.month),
  n: (f) => String(f.month),
  y: (f) => pad(f.year % 100),
  Y: (f) => String(f.year),
  H: (f) => pad(f.hour),
  G: (f) => String(f.hour),
  i: (f) => pad(f.minute),
  s: (f) => pad(f.second),
  M: (f, date, zone) => name(date, zone, { month: "short" }),
  F: (f, date, zone) => name(date, zone, { month: "long" }),
  D: (f, date, zone) => name(date, zone, { weekday: "short" }),
  l: (f, date, zone) => name(date, zone, { weekday: "long" }),
};

function toDate(value) {
  return value instanceof Date ? value : new Date(value);
}

/** `value` (a Date, an ISO string or milliseconds) written with Django's format `format`. */
export function formatWith(value, format, { timeZone = pageZone } = {}) {
  const date = toDate(value);
  if (Number.isNaN(date.getTime())) {
    return "";
  }
  const wall = fields(date, timeZone);
  let text = "";
  for (let index = 0; index < format.length; index += 1) {
    const character = format[index];
    if (character === "\\") {
      index += 1;
      text += format[index] ?? "";
    } else if (CHARACTERS[character]) {
      text += CHARACTERS[character](wall, date, timeZone);
    } else {
      text += character;
    }
  }
  return text;
}

/** A moment, day and time: the server's |when. */
export const formatDateTime = (value, options) =>
  formatWith(value, formatString("DATETIME_FORMAT"), options);

/** A day: the server's |day. */
export const formatDate = (value, options) =>
  formatWith(value, formatString("DATE_FORMAT"), options);

/** A time of day: the server's |clock. */
export const formatTime = (value, options) =>
  formatWith(value, formatString("TIME_FORMAT"), options);

/** A day of a month, for chart axes. */
export const formatMonthDay = (value, options) =>
  formatWith(value, formatString("MONTH_DAY_FORMAT"), options);
