// The reception desk, keyboard first: ↓ from the postal code or time goes to the picked
// result, the arrow keys move through the results (one radio group), Enter books the one
// picked. The results themselves come from the server (htmx), as the fields are typed.
import "../js/realtime.js";

const form = document.getElementById("desk-form");

function picked() {
  return form.querySelector('input[name="choice"]:checked') || form.querySelector('input[name="choice"]');
}

if (form) {
  form.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.key === "Enter" && target.name === "choice") {
      event.preventDefault();
      target.checked = true;
      form.requestSubmit();
    } else if (
      event.key === "ArrowDown" &&
      target.closest("#desk-search") &&
      target.type === "text"
    ) {
      const result = picked();
      if (result) {
        event.preventDefault();
        result.checked = true;
        result.focus();
      }
    }
  });
}
