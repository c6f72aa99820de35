// Every signed-in page's frame: brings in the one socket (and its connection badge) when the
// page has no module of its own, and the top bar's menu. Imported by these relative URLs, as
// every module does, so the browser runs one realtime.js whatever the page loads besides.
import "./realtime.js";
import "./menu.js";
