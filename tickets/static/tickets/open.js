// The new-request form: offer only the chosen provider's categories (the select lists every
// provider's, grouped, so the form still works before this runs).
import "../js/realtime.js";

const organization = document.getElementById("id_organization");
const category = document.getElementById("id_category");

function offerCategories() {
  const chosen = organization.value;
  let offered = 0;
  for (const option of category.querySelectorAll("option[data-organization]")) {
    const ours = option.dataset.organization === chosen;
    option.hidden = !ours;
    option.disabled = !ours;
    if (ours) {
      offered += 1;
    } else if (option.selected) {
      category.value = "";
    }
  }
  for (const group of category.querySelectorAll("optgroup")) {
    group.hidden = !group.querySelector("option:not([hidden])");
  }
  category.closest(".field").hidden = offered === 0;
}

if (organization && category) {
  organization.addEventListener("change", offerCategories);
  offerCategories();
}
