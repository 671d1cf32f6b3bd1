// aisle staff dashboard: live updates over server-sent events. Plain JavaScript, no CDN.
// The stream resumes after a drop: the browser retries (server `retry:`) with Last-Event-ID;
// if the stream closes for good (e.g. the hub restarted), this script reconnects with backoff
// and sends the staff member to the login page when the session has ended.
"use strict";

(function () {
  const MAX_FEED_ROWS = 100;
  const MAX_BACKOFF_MS = 30000;
  const status = document.getElementById("live-status");
  let lastId = document.body.dataset.liveAfter || null;
  let backoffMs = 1000;

  function setStatus(state) {
    if (!status) return;
    status.dataset.state = state;
    status.textContent = state === "on" ? "live" : "reconnecting…";
  }

  function cell(text, className) {
    const td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "—" : String(text);
    if (className) td.className = className;
    return td;
  }

  function bumpTile(key) {
    const value = document.querySelector(`[data-tile="${key}"] .value`);
    if (value) value.firstChild.textContent = String(Number(value.firstChild.textContent) + 1);
  }

  function onFeed(row) {
    bumpTile(row.type);
    const body = document.querySelector("#feed tbody");
    if (!body) return;
    const empty = document.getElementById("feed-empty");
    if (empty) empty.remove();
    const tr = document.createElement("tr");
    tr.dataset.pos = row.pos;
    tr.className = "fresh";
    [row.time_hms, row.device, row.seq, row.type].forEach((v) => tr.appendChild(cell(v)));
    tr.appendChild(cell(row.detail, "detail"));
    body.insertBefore(tr, body.firstChild);
    while (body.children.length > MAX_FEED_ROWS) body.removeChild(body.lastChild);
  }

  async function stillLoggedIn() {
    try {
      const probe = await fetch(window.location.href, { redirect: "manual" });
      return probe.type !== "opaqueredirect";
    } catch (error) {
      return true; // hub unreachable: keep trying
    }
  }

  function connect() {
    const query = lastId !== null ? `?after=${encodeURIComponent(lastId)}` : "";
    const source = new EventSource(`/dashboard/live${query}`);
    source.onopen = () => { setStatus("on"); backoffMs = 1000; };
    source.addEventListener("feed", (message) => {
      lastId = message.lastEventId;
      onFeed(JSON.parse(message.data));
    });
    source.onerror = async () => {
      setStatus("off");
      if (source.readyState !== EventSource.CLOSED) return; // the browser retries by itself
      source.close();
      if (!(await stillLoggedIn())) {
        window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname)}`);
        return;
      }
      setTimeout(connect, backoffMs);
      backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
    };
  }

  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  connect();
})();
