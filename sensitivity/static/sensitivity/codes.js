// Sensitivity code pickers (the desk, the completion report, the confirmation calls): the
// codes typed ("n2 e1") tick their boxes as they are typed, and where the picker shows
// guidance (the desk) it follows the boxes ticked without asking the server. Enter in a
// picker never sends the form it sits in (the desk books on Enter); it ticks instead.
// Listeners sit on the document, so pickers that arrive later (a refreshed list) work too.

const SEPARATORS = /[\s,;]+/;
// The most delicate first, as a customer's codes show everywhere (selectors.dispositions).
const CATEGORY_ORDER = { negative: 0, expected: 1, positive: 2 };

function boxes(picker) {
  return [...picker.querySelectorAll('input[type="checkbox"][data-code]')];
}

function typedCodes(field) {
  return field.value.split(SEPARATORS).filter(Boolean).map((code) => code.toUpperCase());
}

// Tick what is typed; untick what typing ticked and is typed no longer; name what matches
// no code (once it can't be the start of one).
function followTyped(picker) {
  const field = picker.querySelector("[data-codes-typed]");
  const typed = new Set(typedCodes(field));
  const known = [];
  for (const box of boxes(picker)) {
    const code = box.dataset.code.toUpperCase();
    known.push(code);
    if (typed.has(code)) {
      if (!box.checked) {
        box.checked = true;
        box.dataset.typed = "true";
      }
    } else if (box.dataset.typed) {
      box.checked = false;
      delete box.dataset.typed;
    }
  }
  const unknown = [...typed].filter((code) => !known.some((k) => k.startsWith(code)));
  const hint = picker.querySelector("[data-codes-unknown]");
  hint.textContent = unknown.length ? `${picker.dataset.unknownMessage} ${unknown.join(", ")}` : "";
  hint.hidden = unknown.length === 0;
  showTicked(picker);
}

// A box unticked by hand takes its code out of the typed ones, or the form would send it.
function untype(picker, box) {
  delete box.dataset.typed;
  if (box.checked) {
    return;
  }
  const field = picker.querySelector("[data-codes-typed]");
  const code = box.dataset.code.toUpperCase();
  const kept = field.value.split(SEPARATORS).filter((part) => part && part.toUpperCase() !== code);
  if (kept.length !== typedCodes(field).length) {
    field.value = kept.join(" ");
  }
}

// What the picker's fold (the call list's) names as ticked, and the guidance (the desk's).
function showTicked(picker) {
  const summary = picker.querySelector("[data-ticked-summary]");
  if (summary) {
    summary.textContent = boxes(picker)
      .filter((box) => box.checked)
      .map((box) => box.dataset.code)
      .join(" ");
  }
  showGuidance(picker);
}

function showGuidance(picker) {
  const box = picker.querySelector("[data-guidance-list]");
  const source = picker.dataset.guidance && document.getElementById(picker.dataset.guidance);
  if (!box || !source) {
    return;
  }
  const guidance = JSON.parse(source.textContent);
  const items = boxes(picker)
    .filter((input) => input.checked && guidance[input.value])
    .map((input) => guidance[input.value])
    .sort((a, b) => CATEGORY_ORDER[a.category] - CATEGORY_ORDER[b.category])
    .map((code) => {
      const item = document.createElement("li");
      item.className = "code-item";
      item.dataset.code = code.code;
      const badge = document.createElement("span");
      badge.className = `code-badge code-badge--${code.category}`;
      badge.textContent = code.code;
      const text = document.createElement("div");
      text.className = "code-item__text";
      const label = document.createElement("strong");
      label.textContent = code.label;
      text.append(label);
      if (code.guidance) {
        const advice = document.createElement("p");
        advice.className = "code-item__guidance";
        advice.textContent = code.guidance;
        text.append(advice);
      }
      item.append(badge, text);
      return item;
    });
  box.querySelector("ul").replaceChildren(...items);
  box.hidden = items.length === 0;
}

// The desk's result picked, as its own ↓ does from the search fields (technicians/desk.js).
function deskResult() {
  return (
    document.querySelector('#desk-results input[name="choice"]:checked') ||
    document.querySelector('#desk-results input[name="choice"]')
  );
}

document.addEventListener("input", (event) => {
  const picker = event.target.closest("[data-codes-picker]");
  if (picker && event.target.matches("[data-codes-typed]")) {
    followTyped(picker);
  }
});

document.addEventListener("change", (event) => {
  const picker = event.target.closest("[data-codes-picker]");
  if (picker && event.target.matches("input[data-code]")) {
    untype(picker, event.target);
    showTicked(picker);
  }
});

document.addEventListener("keydown", (event) => {
  const picker = event.target.closest("[data-codes-picker]");
  if (!picker) {
    return;
  }
  if (event.key === "Enter") {
    event.preventDefault();
    if (event.target.matches("input[data-code]")) {
      event.target.click();
    }
  } else if (
    event.key === "ArrowDown" &&
    event.target.matches("[data-codes-typed]") &&
    picker.hasAttribute("data-desk")
  ) {
    const result = deskResult();
    if (result) {
      event.preventDefault();
      result.checked = true;
      result.focus();
    }
  }
});

export function start(root = document) {
  for (const picker of root.querySelectorAll("[data-codes-picker]")) {
    followTyped(picker);
  }
}

start();
