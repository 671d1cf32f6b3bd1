// aisle hub dashboard: plain JavaScript, no dependencies, no CDN.
// Live events arrive over server-sent events; the other panels refresh from the JSON API.
"use strict";

const MAX_EVENT_ROWS = 200;
const REFRESH_MS = 5000;
let eventCount = 0;

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "—" : String(text);
  if (className) td.className = className;
  return td;
}

function row(cells, className) {
  const tr = document.createElement("tr");
  cells.forEach((c) => tr.appendChild(c));
  if (className) tr.className = className;
  return tr;
}

function time(iso) {
  return iso ? new Date(iso).toLocaleTimeString() : "—";
}

function detail(event) {
  const p = event.payload || {};
  if (event.type === "scan") return `${p.symbology || ""} ${p.gtin || p.text || ""} (${p.engine || "?"})`;
  return JSON.stringify(p).slice(0, 160);
}

function addEvent(event, fresh) {
  const body = document.querySelector("#events tbody");
  const tr = row([
    cell(time(event.received_at)), cell(event.device), cell(event.seq), cell(event.type),
    cell(detail(event), "detail"),
  ], fresh ? "fresh" : "");
  body.insertBefore(tr, body.firstChild);
  while (body.children.length > MAX_EVENT_ROWS) body.removeChild(body.lastChild);
  eventCount += 1;
  document.getElementById("event-count").textContent = `${eventCount} shown`;
}

function setPill(key, ok) {
  const pill = document.querySelector(`#health li[data-key="${key}"]`);
  if (!pill) return;
  pill.classList.toggle("ok", ok);
  pill.classList.toggle("down", !ok);
}

function fill(selector, items, toCells) {
  const body = document.querySelector(`${selector} tbody`);
  body.replaceChildren(...items.map((item) => row(toCells(item))));
}

async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  if (!response.ok && response.status !== 503) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

async function refresh() {
  try {
    const health = await getJson("/api/v1/health");
    ["db_ok", "broker_connected", "central_reachable"].forEach((k) => setPill(k, health[k]));
    document.getElementById("catalog-as-of").textContent =
      health.catalog_as_of ? new Date(health.catalog_as_of).toLocaleString() : "never synced";
    fill("#devices", await getJson("/api/v1/devices"), (d) => [
      cell(d.id), cell(d.profile), cell(d.status, `status-${d.status}`), cell(d.last_seq),
      cell(d.open_gaps), cell(d.duplicates), cell(d.fps), cell(d.outbox_depth),
    ]);
    fill("#demand", await getJson("/api/v1/demand?limit=20"), (s) => [
      cell(s.code), cell(s.device), cell(s.count), cell(time(s.last_seen)),
    ]);
    fill("#dead-letters", await getJson("/api/v1/dead-letters?limit=20"), (d) => [
      cell(time(d.received_at)), cell(d.topic), cell(d.reason, "reason"), cell(d.head, "head"),
    ]);
  } catch (error) {
    setPill("db_ok", false);
    console.warn("dashboard refresh failed", error);
  }
}

async function startStream() {
  const recent = await getJson("/api/v1/events?limit=50");
  recent.slice().reverse().forEach((e) => addEvent(e, false));
  const after = recent.length ? recent[0].pos : 0;
  const source = new EventSource(`/api/v1/events/stream?after=${after}`);
  source.addEventListener("event", (message) => addEvent(JSON.parse(message.data), true));
  source.onopen = () => setPill("stream", true);
  source.onerror = () => setPill("stream", false);
}

refresh();
setInterval(refresh, REFRESH_MS);
startStream().catch((error) => { setPill("stream", false); console.warn(error); });
