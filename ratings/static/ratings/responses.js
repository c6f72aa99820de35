// A provider's answer to a review shown on this page appears as soon as it is published.
// Only the review's author and the provider's staff receive that event. The answer is cloned
// from the page's <template id="response-template"> and filled with textContent only, so
// nothing a person typed is ever parsed as HTML.
import "../js/realtime.js";

/** Show answers to the reviews inside `root` live; `accept(review)` may narrow them down. */
export function showResponsesLive(root, accept = () => true) {
  document.addEventListener("realtime:review.responded", (event) => {
    const review = event.detail.data;
    if (!review.response || !accept(review)) {
      return;
    }
    const item = root.querySelector(`[data-review-id="${Number(review.id)}"]`);
    const slot = item?.querySelector("[data-response-slot]");
    if (!slot || slot.childElementCount) {
      return; // not on this page, or already shown
    }
    const template = document.getElementById("response-template");
    const response = template.content.firstElementChild.cloneNode(true);
    const title = response.querySelector('[data-field="title"]');
    if (title) {
      // The page words the title per review (which provider answered), in its language.
      title.textContent = item.dataset.responseTitle;
    }
    response.querySelector('[data-field="body"]').textContent = review.response.body;
    slot.append(response);
  });
}
