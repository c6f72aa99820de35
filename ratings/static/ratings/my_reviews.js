// The customer's own reviews: a provider's answer appears without a reload.
import { showResponsesLive } from "./responses.js";

showResponsesLive(document.querySelector("[data-my-reviews]"));
