/* Live refresh for the console: no framework, no build step.
 * - every page listens to /console/events (server-sent events) for the pulse and updates the nav badges, the
 *   urgent banner and the tab title; where EventSource is missing or its connection is refused (a 401, a proxy
 *   that drops streams) it polls /console/pulse instead, as it always did;
 * - the inbox also re-fetches its list (server-rendered HTML) on every pulse event and every few seconds, and
 *   swaps it in when it changed (a new message in an open thread changes no count);
 * - polls carry X-Console-Poll: 1 so they never keep an idle session alive (the event stream never does);
 *   a 401, or the stream's "expired" event, shows "log in again";
 * - polling pauses while the tab is hidden and resumes at once when it is shown again;
 * - on the inbox, a new urgent handoff plays a short tone and shows a browser notification (if allowed;
 *   permission is asked on the first click, as browsers want a gesture). No patient detail in it.
 */
(function () {
  "use strict";
  var INTERVAL = 4000;
  var baseTitle = document.title;
  var list = document.getElementById("inbox-list");
  var lastList = list ? list.innerHTML : null;
  var timer = null;
  var streaming = false; /* the pulse arrives by EventSource: polls fetch only the inbox list */
  /* Urgent handoffs the page was rendered with are already on screen; only later ones call for attention. */
  var shown = document.querySelector("[data-urgent-banner] [data-pulse=urgent_open]");
  var lastUrgent = shown ? parseInt(shown.textContent, 10) || 0 : null;

  function chime() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    try {
      var ctx = new Ctx(), osc = ctx.createOscillator(), gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.2, ctx.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + 0.6);
      osc.connect(gain); gain.connect(ctx.destination);
      osc.start(); osc.stop(ctx.currentTime + 0.6);
    } catch (e) { /* no audio: the banner and the title still say it */ }
  }

  function alertUrgent(count) {
    if (list) document.body.setAttribute("data-urgent-alerted", String(count));
    chime();
    if ("Notification" in window && Notification.permission === "granted") {
      new Notification("Urgent patient message", { body: "Open the Afterglow inbox.", tag: "afterglow-urgent" });
    }
  }

  if (list && "Notification" in window && Notification.permission === "default") {
    document.addEventListener("click", function () { Notification.requestPermission(); }, { once: true });
  }

  function get(url) {
    return fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "X-Console-Poll": "1" } });
  }

  function expired() {
    var note = document.querySelector("[data-expired]");
    if (note) note.hidden = false;
    if (timer) clearTimeout(timer);
    timer = null;
  }

  function applyPulse(p) {
    document.querySelectorAll("[data-pulse]").forEach(function (el) {
      var value = p[el.getAttribute("data-pulse")] || 0;
      el.textContent = value;
      if (el.classList.contains("badge")) el.hidden = value === 0;
    });
    var banner = document.querySelector("[data-urgent-banner]");
    if (banner) banner.hidden = !p.urgent_open;
    document.body.classList.toggle("has-urgent", p.urgent_open > 0);
    document.title = (p.urgent_open ? "(" + p.urgent_open + " urgent) " : "") + baseTitle;
    if (list && lastUrgent !== null && p.urgent_open > lastUrgent) alertUrgent(p.urgent_open);
    lastUrgent = p.urgent_open;
  }

  function refreshList() {
    return get(list.getAttribute("data-refresh-url")).then(function (r) {
      if (r.status === 401) { expired(); throw new Error("expired"); }
      return r.ok ? r.text().then(function (html) {
        if (html !== lastList) { list.innerHTML = html; lastList = html; }
        var stamp = document.querySelector("[data-refreshed]");
        if (stamp) stamp.textContent = "Updated " + new Date().toLocaleTimeString();
      }) : null;
    });
  }

  function tick() {
    if (document.hidden) return schedule();
    var jobs = streaming ? [] : [get(document.body.getAttribute("data-pulse-url")).then(function (r) {
      if (r.status === 401) { expired(); throw new Error("expired"); }
      return r.ok ? r.json().then(applyPulse) : null;
    })];
    if (list) jobs.push(refreshList());
    Promise.all(jobs).then(schedule, function (e) { if (e && e.message !== "expired") schedule(); });
  }

  /* The pulse pushed by the server. EventSource reconnects by itself when a stream ends normally; a refused
   * connection (CLOSED) or a browser without EventSource falls back to polling the pulse. */
  function listen(url) {
    if (!url || !window.EventSource) return false;
    var source = new EventSource(url);
    streaming = true;
    source.addEventListener("pulse", function (event) {
      applyPulse(JSON.parse(event.data));
      if (list && !document.hidden) refreshList().catch(function () {});
    });
    source.addEventListener("expired", function () {
      source.close();
      streaming = false;
      expired();
      timer = false; /* nothing left to poll for */
    });
    source.onerror = function () {
      if (source.readyState !== EventSource.CLOSED || !streaming) return;
      streaming = false;
      document.body.setAttribute("data-live", "polling");
      if (timer) { clearTimeout(timer); timer = null; }
      tick();
    };
    document.body.setAttribute("data-live", "events");
    return true;
  }

  function schedule() {
    if (timer !== false) timer = setTimeout(tick, INTERVAL);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && timer) { clearTimeout(timer); tick(); }
  });

  /* Confirm before destructive buttons (no inline handlers: the CSP forbids them). */
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = button && button.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  /* A live segment count under every staff text box (GSM-7: 160, or 153 per part when split). */
  function segments(text) {
    var gsm = /^[A-Za-z0-9 \r\n@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!"#¤%&'()*+,\-.\/:;<=>?¡ÄÖÑÜ§¿äöñüà^{}\\\[~\]|€]*$/.test(text);
    var single = gsm ? 160 : 70, multi = gsm ? 153 : 67;
    var n = text.length;
    return { parts: n <= single ? (n ? 1 : 0) : Math.ceil(n / multi), encoding: gsm ? "GSM-7" : "UCS-2" };
  }
  document.querySelectorAll("textarea[data-segments]").forEach(function (box) {
    var out = box.closest("form").querySelector("[data-segment-count]");
    function update() {
      var s = segments(box.value);
      if (out) out.textContent = box.value.length + " characters, " + s.parts + " segment(s), " + s.encoding;
    }
    box.addEventListener("input", update);
    update();
  });

  if (document.body.getAttribute("data-pulse-url")) {
    var listening = listen(document.body.getAttribute("data-events-url"));
    if (!listening) document.body.setAttribute("data-live", "polling");
    if (!listening || list) schedule(); /* the inbox list keeps its own refresh */
  }
})();
