// The staff ticket page: the ticket's live updates, and the presence toggle of staff pages.
import "../js/presence.js";
import "./ticket.js";
