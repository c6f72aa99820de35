// A provider's public page, live for every visitor, signed in or not: its tab follows the
// provider's public group (the page's realtime config), whose events say only that
// something changed. The score and the chart then fetch themselves again (htmx, on
// realtime:provider.changed); the reviews too, unless the visitor has read past the first
// stretch with "Show more" and would lose their place. An answer to a review shown here also arrives on its own for its author and the
// provider's staff (see responses.js).
import { on } from "../js/realtime.js";
import { showResponsesLive } from "./responses.js";

const config = JSON.parse(document.getElementById("provider-page").textContent);

on("provider.changed", (event) => {
  if (event.data.organization !== config.organization) {
    return;
  }
  const reviews = document.getElementById("provider-reviews");
  if (reviews && reviews.querySelectorAll("li.review").length <= config.pageSize) {
    reviews.dispatchEvent(new CustomEvent("provider:reviews-changed"));
  }
});

showResponsesLive(
  document.querySelector("[data-provider-page]"),
  (review) => review.organization === config.organization,
);
