/* Study-time heartbeat for a lesson page (no framework, about 2 KB).
 * While the page is visible and the learner active, it tells the server every
 * ~30 s; the server credits only the real time that passed. Videos report the
 * stretches really played: a seek starts a new stretch, so skipping is not watching.
 */
(function () {
  "use strict";
  var root = document.querySelector("[data-lesson]");
  if (!root || !window.fetch) return;
  var lesson = Number(root.dataset.lesson);
  var interval = (Number(root.dataset.interval) || 30) * 1000;
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  var IDLE_AFTER = 5 * 60 * 1000;
  var lastActivity = Date.now();
  var stretches = {};   // video block id -> {start, last}
  var hiddenSince = null;

  ["pointerdown", "keydown", "scroll", "touchstart", "mousemove"].forEach(function (name) {
    window.addEventListener(name, function () { lastActivity = Date.now(); }, { passive: true });
  });

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) { return r.ok ? r.json() : null; }).catch(function () { return null; });
  }

  // Study time in the page's language ("5分钟", "1 hr 5 min"), like the server's text.
  function unit(name) {
    try {
      return new Intl.NumberFormat(document.documentElement.lang || undefined, { style: "unit", unit: name, unitDisplay: "short" });
    } catch (e) {
      return { format: function (n) { return n + (name === "hour" ? " h" : " min"); } };
    }
  }
  var asMinutes = unit("minute"), asHours = unit("hour");

  function show(result) {
    if (!result) return;
    var studied = document.querySelector("[data-studied]");
    if (studied && result.study_seconds !== undefined) {
      var minutes = Math.floor(result.study_seconds / 60);
      studied.textContent = minutes >= 60 ? asHours.format(Math.floor(minutes / 60)) + " " + asMinutes.format(minutes % 60) : asMinutes.format(minutes);
    }
    if (result.lesson_complete) {
      var done = document.querySelector("[data-complete-text]");
      var doing = document.querySelector("[data-progress-text]");
      if (done) done.hidden = false;
      if (doing) doing.hidden = true;
    }
  }

  function playing() {
    return Array.prototype.some.call(document.querySelectorAll("video"), function (v) { return !v.paused && !v.ended; });
  }

  function beat(extra) {
    var body = Object.assign({ lesson: lesson }, extra || {});
    return post(root.dataset.beatUrl, body).then(show);
  }

  function videoReport(video, block) {
    var s = stretches[block];
    if (!s || s.last - s.start < 1 || !isFinite(video.duration)) return null;
    var report = { video_block: block, video_start: s.start, video_end: s.last, video_duration: video.duration };
    stretches[block] = { start: s.last, last: s.last };
    return report;
  }

  document.querySelectorAll("figure.video[data-block] video").forEach(function (video) {
    var block = video.closest("figure").dataset.block;
    video.addEventListener("playing", function () { stretches[block] = { start: video.currentTime, last: video.currentTime }; });
    video.addEventListener("timeupdate", function () {
      var s = stretches[block];
      if (!s || video.seeking) return;
      var t = video.currentTime;
      if (t >= s.last && t - s.last <= 2) { s.last = t; lastActivity = Date.now(); }
    });
    // A seek, a pause or the end closes the stretch: report it now, then start anew.
    ["seeking", "pause", "ended"].forEach(function (name) {
      video.addEventListener(name, function () {
        var report = videoReport(video, block);
        stretches[block] = name === "seeking" ? null : stretches[block];
        if (report) beat(report);
      });
    });
    video.addEventListener("seeked", function () { if (!video.paused) stretches[block] = { start: video.currentTime, last: video.currentTime }; });
  });

  function tick() {
    if (document.visibilityState !== "visible") return;
    if (Date.now() - lastActivity > IDLE_AFTER && !playing()) return;
    var report = null;
    document.querySelectorAll("figure.video[data-block] video").forEach(function (video) {
      if (!report && !video.paused) report = videoReport(video, video.closest("figure").dataset.block);
    });
    beat(report);
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { hiddenSince = Date.now(); return; }
    // Back from another tab or a locked phone: restart the clock without credit.
    if (hiddenSince !== null) { hiddenSince = null; beat({ restart: true }); }
  });

  document.querySelectorAll("form[data-checkpoint]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      fetch(form.action, { method: "POST", credentials: "same-origin", body: new FormData(form), headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (result) {
          var box = form.querySelector(".checkpoint-feedback");
          if (result.error) { box.textContent = result.error; return; }
          box.innerHTML = "";
          var verdict = document.createElement("p");
          verdict.className = result.correct ? "ok" : "not-ok";
          verdict.textContent = result.correct ? form.dataset.correct : form.dataset.wrong;
          var explanation = document.createElement("div");
          explanation.className = "explanation";
          explanation.innerHTML = result.explanation; // rich text already sanitised by Wagtail
          box.appendChild(verdict); box.appendChild(explanation);
          show({ lesson_complete: result.lesson_complete });
        })
        .catch(function () {});
    });
  });

  post(root.dataset.openUrl, {}).then(function () { beat({ restart: true }); });
  window.setInterval(tick, interval);
})();
