// A provider's public page: when the provider answers a review shown here, the answer
// appears without a reload (see responses.js).
import { showResponsesLive } from "./responses.js";

const config = JSON.parse(document.getElementById("provider-page").textContent);

showResponsesLive(
  document.querySelector("[data-provider-page]"),
  (review) => review.organization === config.organization,
);
