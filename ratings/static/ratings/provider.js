// A provider's public page: when the provider answers a review shown here, the answer
// appears without a reload. Only the review's author (and the provider's staff) receive that
// event. The answer is cloned from a <template> and filled with textContent only, so nothing
// a person typed is ever parsed as HTML.
import "../js/realtime.js";

const root = document.querySelector("[data-provider-page]");
const config = JSON.parse(document.getElementById("provider-page").textContent);

function showResponse(review) {
  const item = root.querySelector(`[data-review-id="${Number(review.id)}"]`);
  const slot = item?.querySelector("[data-response-slot]");
  if (!slot || slot.childElementCount) {
    return; // not on this page, or already shown
  }
  const template = document.getElementById("response-template");
  const response = template.content.firstElementChild.cloneNode(true);
  response.querySelector('[data-field="body"]').textContent = review.response.body;
  slot.append(response);
}

document.addEventListener("realtime:review.responded", (event) => {
  const review = event.detail.data;
  if (review.organization === config.organization && review.response) {
    showResponse(review);
  }
});
