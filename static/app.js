/*
 * bambufarm dashboard — the one script of our own. Every page works without
 * it; with it, times read in the browser's zone and the printers' status,
 * progress, temperatures and remaining time follow the JSON API every few
 * seconds without a reload.
 *
 * Markup contract (rendered by the server):
 * - <time datetime="ISO-UTC" data-format="time|date|datetime">: rewritten
 *   as local time.
 * - [data-printer="ID"] [data-field="F"]: a printer's live value F, one of
 *   status, progress, progress_text, remaining, ends_at, nozzle_temp,
 *   bed_temp, online, job_name.
 * - [data-print="ID"] [data-field="status"|"progress"]: a print's status.
 * - <ul id="status-words" hidden> with one <li data-kind="printer|print"
 *   data-status data-symbol data-tone>Word</li> per state: the status
 *   vocabulary, written from the server's one table, so the script never
 *   invents one.
 * Values go in with textContent only, never as HTML.
 */
(function () {
    "use strict";

    var PERIOD = 5000, MAX_PERIOD = 60000;
    var period = PERIOD, timer = null;
    var words = {printer: {}, print: {}};
    var printNames = {};

    function pad(n) { return (n < 10 ? "0" : "") + n; }

    function localText(d, format) {
        var time = pad(d.getHours()) + ":" + pad(d.getMinutes());
        var date = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" +
            pad(d.getDate());
        if (format === "time") return time;
        if (format === "date") return date;
        return date + " " + time;
    }

    function localizeTimes(root) {
        var list = root.querySelectorAll("time[datetime]");
        for (var i = 0; i < list.length; i++) {
            var t = list[i], d = new Date(t.getAttribute("datetime"));
            if (!isNaN(d.getTime()))
                t.textContent = localText(d, t.getAttribute("data-format"));
        }
    }

    function minutesText(m) {
        if (m === null || m === undefined) return "\u2014";
        if (m < 60) return m + " min";
        return Math.floor(m / 60) + " h " + pad(m % 60) + " min";
    }

    function degrees(v) {
        return v === null || v === undefined ? "\u2014" : v + " \u00b0C";
    }

    function badge(kind, status, percent) {
        var w = words[kind][status] || ["", status || "unknown", "muted"];
        var text = (w[0] ? w[0] + " " : "") + w[1];
        if (percent !== null && percent !== undefined &&
            (status === "printing" || status === "started"))
            text += " " + percent + " %";
        return {text: text, tone: w[2]};
    }

    function setText(el, text) {
        if (el.textContent !== text) el.textContent = text;
    }

    function setBadge(el, b) {
        setText(el, b.text);
        el.className = el.className.replace(/\btone-\w+/g, "").trim() +
            " tone-" + b.tone;
    }

    function fields(attr, id) {
        return document.querySelectorAll("[" + attr + '="' + id + '"] [data-field], [' +
            attr + '="' + id + '"][data-field]');
    }

    function jobName(el, p) {
        var id = p.current_print_id;
        setText(el, id && printNames[id] ? printNames[id] : "\u2014");
    }

    function endsAt(el, p) {
        if (p.remaining_minutes === null || p.remaining_minutes === undefined ||
            (p.status !== "printing" && p.status !== "preparing")) {
            setText(el, "\u2014");
            return;
        }
        var d = new Date(Date.now() + p.remaining_minutes * 60000);
        el.setAttribute("datetime", d.toISOString());
        setText(el, localText(d, "time"));
    }

    function updatePrinter(p) {
        var list = fields("data-printer", p.id);
        /* a job's numbers mean something only while one runs */
        var busy = p.status === "printing" || p.status === "preparing" ||
            p.status === "paused";
        var pct = busy ? p.progress_percent : null;
        var left = busy ? p.remaining_minutes : null;
        for (var i = 0; i < list.length; i++) {
            var el = list[i], f = el.getAttribute("data-field");
            if (f === "status") setBadge(el, badge("printer", p.status, p.progress_percent));
            else if (f === "progress") el.value = pct || 0;
            else if (f === "progress_text")
                setText(el, pct === null || pct === undefined ? "\u2014" : pct + " %");
            else if (f === "remaining") setText(el, minutesText(left));
            else if (f === "ends_at") endsAt(el, p);
            else if (f === "nozzle_temp") setText(el, degrees(p.nozzle_temp));
            else if (f === "bed_temp") setText(el, degrees(p.bed_temp));
            else if (f === "online") setText(el, p.online ? "Online" : "Offline");
            else if (f === "job_name") jobName(el, p);
        }
    }

    function updatePrint(j) {
        var list = fields("data-print", j.id);
        for (var i = 0; i < list.length; i++) {
            var el = list[i], f = el.getAttribute("data-field");
            if (f === "status") setBadge(el, badge("print", j.status, j.progress_percent));
            else if (f === "progress") el.value = j.progress_percent || 0;
        }
    }

    function get(url) {
        return fetch(url, {credentials: "same-origin",
                           headers: {"Accept": "application/json"}})
            .then(function (r) {
                if (!r.ok) throw new Error("HTTP " + r.status);
                return r.json();
            });
    }

    function poll() {
        var jobs = [];
        if (document.querySelector('[data-field="job_name"]'))
            jobs.push(get("/api/bambu/scheduled-prints?status=started")
                .then(function (b) {
                    b.prints.forEach(function (j) { printNames[j.id] = j.name; });
                }));
        if (document.querySelector("[data-print]"))
            jobs.push(get("/api/bambu/scheduled-prints?limit=200").then(function (b) {
                b.prints.forEach(updatePrint);
            }));
        /* the printers last, so a new current print's name is known */
        jobs = Promise.all(jobs);
        if (document.querySelector("[data-printer]"))
            jobs = jobs.then(function () { return get("/api/printers"); })
                .then(function (b) { b.printers.forEach(updatePrinter); });
        jobs.then(function () {
            period = PERIOD;
        }, function () {
            period = Math.min(period * 2, MAX_PERIOD); /* back off */
        }).then(schedule);
    }

    function schedule() {
        clearTimeout(timer);
        timer = null;
        if (document.visibilityState === "visible")
            timer = setTimeout(poll, period);
    }

    function start() {
        var w = document.querySelectorAll("#status-words li");
        for (var i = 0; i < w.length; i++) {
            var kind = w[i].getAttribute("data-kind");
            if (words[kind])
                words[kind][w[i].getAttribute("data-status")] = [
                    w[i].getAttribute("data-symbol"), w[i].textContent,
                    w[i].getAttribute("data-tone")];
        }
        localizeTimes(document);
        if (document.querySelector("[data-printer], [data-print]")) {
            document.addEventListener("visibilitychange", schedule);
            schedule();
        }
    }

    if (document.readyState === "loading")
        document.addEventListener("DOMContentLoaded", start);
    else
        start();
})();
