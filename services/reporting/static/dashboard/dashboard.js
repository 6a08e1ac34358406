/* 民情综合看板 — county dashboard (plain JS, no build step).
 *
 * Data: GET ../api/dashboard[?township=CODE]; live: GET ../api/stream[?township=CODE] read as a
 * server-sent-event stream through fetch (`event: dashboard`, data = same JSON). Both send
 * `Authorization: Bearer <token>` when a token is known: a token never goes into a URL (URLs end up in
 * access logs, proxies and the browser history; EventSource cannot send headers, hence fetch).
 * The token is typed into the page's 访问令牌 form and kept in sessionStorage for this tab. A legacy
 * `?token=` link is stripped from the address bar and not used. Everything is loaded from this
 * service: no external requests.
 */
(function () {
  "use strict";

  var TOKEN_KEY = "minqing.dashboard.token";
  var TZ = "Asia/Shanghai";
  var COLORS = { petition: "#4fc3f7", safety: "#ffb74d", volunteer: "#81c784", score: "#ce93d8", bad: "#ef5350" };
  var PETITION_STAGES = {
    route: "转送交办", acceptance_notice: "告知受理", objection: "异议处理", reply: "答复",
    review_decision: "复查决定", re_review_decision: "复核决定"
  };
  var HAZARD_LEVELS = { general: "一般隐患", major: "重大隐患" };

  var state = {
    token: null,
    township: "",
    names: {},            // township code → name, learned from the data
    last: null,           // last rendered payload
    renders: 0,
    stream: null,         // AbortController of the open stream request
    retryTimer: null,
    retryDelay: 1000,
    streamFailed: false,
    fetchSeq: 0,
    noComparison: false,
    needsToken: false,
    refreshTimer: null
  };

  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  // ----- helpers ---------------------------------------------------------------------------------

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === "text") node.textContent = attrs[k];
        else if (k === "className") node.className = attrs[k];
        else node.setAttribute(k, attrs[k]);
      });
    }
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function isNum(v) { return typeof v === "number" && isFinite(v); }

  var intFmt = new Intl.NumberFormat("zh-CN", { maximumFractionDigits: 0 });
  var oneFmt = new Intl.NumberFormat("zh-CN", { maximumFractionDigits: 1 });
  var twoFmt = new Intl.NumberFormat("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  function fmtCount(v) { return isNum(v) ? intFmt.format(v) : "—"; }
  function fmtHours(v) { return isNum(v) ? oneFmt.format(v) : "—"; }
  function fmtScore(v) { return isNum(v) ? twoFmt.format(v) : "—"; }
  function fmtRate(v) { return isNum(v) ? (v * 100).toFixed(1) + "%" : "—"; }
  function fmtYuan(v) {
    if (!isNum(v)) return "—";
    return Math.abs(v) >= 10000 ? oneFmt.format(v / 10000) + " 万元" : intFmt.format(v) + " 元";
  }

  var dateTimeFmt = new Intl.DateTimeFormat("zh-CN", {
    timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23"
  });
  var shortFmt = new Intl.DateTimeFormat("zh-CN", {
    timeZone: TZ, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23"
  });

  function parseTime(iso) {
    var t = iso ? Date.parse(iso) : NaN;
    return isNaN(t) ? null : t;
  }
  function fmtDateTime(iso) { var t = parseTime(iso); return t === null ? "—" : dateTimeFmt.format(t); }
  function fmtShort(iso) { var t = parseTime(iso); return t === null ? "—" : shortFmt.format(t); }

  function get(obj, path) {
    return path.split(".").reduce(function (o, k) { return o == null ? undefined : o[k]; }, obj);
  }

  // ----- token, URL, requests -------------------------------------------------------------------

  function storage(op, value) {
    try {
      if (op === "get") return window.sessionStorage.getItem(TOKEN_KEY);
      if (op === "remove") window.sessionStorage.removeItem(TOKEN_KEY);
      else window.sessionStorage.setItem(TOKEN_KEY, value);
    } catch (e) { /* storage disabled: keep the token for this page only */ }
    return null;
  }

  function readUrl() {
    var url = new URL(window.location.href);
    state.legacyToken = url.searchParams.has("token");
    if (state.legacyToken) {
      // An old ?token= link: the token already went to the server's logs in the URL, so it is not used.
      url.searchParams.delete("token");
      window.history.replaceState(null, "", url.pathname + url.search + url.hash);
    }
    state.token = storage("get") || null;
    state.township = url.searchParams.get("township") || "";
  }

  function askForToken(message) {
    state.needsToken = true;
    if (state.stream) { state.stream.abort(); state.stream = null; }
    if (state.token) { state.token = null; storage("remove"); }
    $("token-form").hidden = false;
    showAlert(message);
    $("token-input").focus();
  }

  function onTokenSubmit(event) {
    event.preventDefault();
    var value = $("token-input").value.trim();
    if (!value) return;
    state.token = value;
    state.needsToken = false;
    storage("set", value);
    $("token-input").value = "";
    $("token-form").hidden = true;
    showAlert("");
    refresh();
    connectStream();
  }

  function authHeaders(accept) {
    var headers = { Accept: accept };
    if (state.token) headers.Authorization = "Bearer " + state.token;
    return headers;
  }

  function writeUrl() {
    var url = new URL(window.location.href);
    if (state.township) url.searchParams.set("township", state.township);
    else url.searchParams.delete("township");
    window.history.replaceState(null, "", url.pathname + url.search + url.hash);
  }

  function apiUrl(name) {
    var url = new URL("../api/" + name, document.baseURI);
    if (state.township) url.searchParams.set("township", state.township);
    return url.toString();
  }

  function showAlert(text) {
    var box = $("alert");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function refresh() {
    var seq = ++state.fetchSeq;
    return fetch(apiUrl("dashboard"), { headers: authHeaders("application/json"), cache: "no-store" })
      .then(function (resp) {
        if (resp.status === 401 || resp.status === 403) {
          var e = new Error("未授权：请在右上角输入访问令牌后进入看板。");
          e.auth = true;
          throw e;
        }
        if (!resp.ok) throw new Error("数据加载失败（HTTP " + resp.status + "），稍后自动重试。");
        return resp.json();
      })
      .then(function (data) {
        if (seq !== state.fetchSeq) return;  // a newer request was started (e.g. township changed)
        showAlert("");
        render(data, true);
        if (!state.stream && !state.retryTimer) connectStream();
      })
      .catch(function (err) {
        if (seq !== state.fetchSeq) return;
        if (err && err.auth) { askForToken(err.message); return; }
        showAlert(err && err.message && /^(未授权|数据加载失败)/.test(err.message)
          ? err.message : "数据加载失败：无法连接报表服务，稍后自动重试。");
        scheduleRefresh(10000);
      });
  }

  function scheduleRefresh(delay) {
    if (state.refreshTimer) return;
    state.refreshTimer = window.setTimeout(function () {
      state.refreshTimer = null;
      refresh();
    }, delay);
  }

  // ----- live updates (server-sent events) -------------------------------------------------------

  function setLive(status) {
    var box = $("live");
    box.setAttribute("data-status", status);
    $("live-text").textContent = status === "live" ? "实时" : status === "reconnecting" ? "重连中" : "连接中";
  }

  function flashLive() {
    var box = $("live");
    box.classList.remove("flash");
    void box.offsetWidth;  // restart the animation
    box.classList.add("flash");
  }

  function onStreamEvent(block) {
    var type = "message";
    var data = [];
    block.split("\n").forEach(function (line) {
      if (!line || line.charAt(0) === ":") return;  // a comment (ping)
      var colon = line.indexOf(":");
      var field = colon < 0 ? line : line.slice(0, colon);
      var value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") type = value;
      else if (field === "data") data.push(value);
    });
    if (type !== "dashboard" || !data.length) return;
    var payload;
    try { payload = JSON.parse(data.join("\n")); } catch (e) { return; }
    flashLive();
    var scope = payload && payload.scope && payload.scope.code;
    var countyCode = payload && payload.county && payload.county.code;
    var wanted = state.township || countyCode;
    if (scope === wanted) render(payload, false);
    else scheduleRefresh(200);  // the stream sent another scope: ask for ours
  }

  function retryStream() {
    setLive("reconnecting");
    state.streamFailed = true;
    state.stream = null;
    state.retryTimer = window.setTimeout(connectStream, state.retryDelay);
    state.retryDelay = Math.min(state.retryDelay * 2, 30000);
  }

  // Server-sent events read through fetch, so the token travels in the Authorization header.
  function connectStream() {
    if (state.retryTimer) { window.clearTimeout(state.retryTimer); state.retryTimer = null; }
    if (state.stream) state.stream.abort();
    state.stream = null;
    if (state.needsToken || typeof window.AbortController !== "function" || typeof window.TextDecoder !== "function") return;
    var controller = new AbortController();
    state.stream = controller;
    setLive("connecting");
    fetch(apiUrl("stream"), { headers: authHeaders("text/event-stream"), cache: "no-store", signal: controller.signal })
      .then(function (resp) {
        if (controller !== state.stream) return null;
        if (resp.status === 401 || resp.status === 403) {
          askForToken("未授权：请在右上角输入访问令牌后进入看板。");
          return null;
        }
        if (!resp.ok || !resp.body) throw new Error("stream HTTP " + resp.status);
        setLive("live");
        state.retryDelay = 1000;
        if (state.streamFailed) { state.streamFailed = false; refresh(); }  // catch up on missed updates
        var reader = resp.body.getReader();
        var decoder = new TextDecoder();
        var buffer = "";
        var pump = function () {
          return reader.read().then(function (chunk) {
            if (controller !== state.stream) { reader.cancel(); return null; }
            if (chunk.done) throw new Error("stream closed");
            buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n?/g, "\n");
            var at;
            while ((at = buffer.indexOf("\n\n")) >= 0) {
              var block = buffer.slice(0, at);
              buffer = buffer.slice(at + 2);
              onStreamEvent(block);
            }
            return pump();
          });
        };
        return pump();
      })
      .catch(function () {
        if (controller !== state.stream || controller.signal.aborted) return;
        retryStream();  // network error, server closed the stream, HTTP error: back off and retry
      });
  }

  // ----- rendering -------------------------------------------------------------------------------

  function learnNames(data) {
    (data.townships || []).forEach(function (t) { if (t && t.code) state.names[t.code] = t.name || t.code; });
    ((data.ranking && data.ranking.rows) || []).forEach(function (r) {
      if (r && r.township && !state.names[r.township]) state.names[r.township] = r.name || r.township;
    });
    if (data.scope && data.county && data.scope.code !== data.county.code && data.scope.code) {
      state.names[data.scope.code] = data.scope.name || data.scope.code;
    }
    var select = $("township-select");
    var present = {};
    Array.prototype.forEach.call(select.options, function (o) { present[o.value] = o; });
    Object.keys(state.names).sort().forEach(function (code) {
      if (present[code]) { present[code].textContent = state.names[code]; return; }
      select.appendChild(el("option", { value: code, text: state.names[code] }));
    });
    select.value = state.township;
  }

  function renderHeader(data) {
    var county = (data.county && data.county.name) || "";
    var scope = data.scope || {};
    var name = !scope.code || (data.county && scope.code === data.county.code)
      ? county : county + " · " + (scope.name || scope.code);
    $("scope-name").textContent = name;
    document.title = name + " 民情综合看板";
    $("updated-at").textContent = fmtDateTime(data.generated_at);
    $("updated-at").setAttribute("datetime", data.generated_at || "");
  }

  function renderCards(data, first) {
    var cards = document.querySelectorAll(".card[data-figure]");
    Array.prototype.forEach.call(cards, function (card) {
      var v = get(data, card.getAttribute("data-figure"));
      var format = card.getAttribute("data-format");
      var unit = card.getAttribute("data-unit");
      var text = format === "rate" ? fmtRate(v) : format === "hours" ? fmtHours(v)
        : format === "stars" ? (isNum(v) ? twoFmt.format(v) + " 星" : "—")
        : format === "minutes" ? (isNum(v) ? oneFmt.format(v) + " 分钟" : "—") : fmtCount(v);
      if (unit && isNum(v)) text += " " + unit;
      var valueEl = card.querySelector(".value");
      if (!first && valueEl.textContent !== text) {
        card.classList.remove("changed");
        void card.offsetWidth;
        card.classList.add("changed");
      }
      valueEl.textContent = text;
      card.classList.toggle("alarm", isNum(v) && v > 0);
      var sub = card.querySelector(".sub[data-sub]");
      if (sub) sub.textContent = subText(sub.getAttribute("data-sub"), get(data, sub.getAttribute("data-sub")));
    });
  }

  function subText(path, v) {
    switch (path) {
      case "month.penalty_amount": return "金额 " + fmtYuan(v);
      case "month.accidents": return "本月事故 " + fmtCount(v) + " 起";
      case "month.volunteer_hours": return "本月 " + fmtHours(v);
      case "liaison.short_weeks": return "未达标 " + fmtCount(v) + " 人·周";
      case "liaison.households_paired": return "结对联系户 " + fmtCount(v) + " 户";
      case "liaison.problems_resolved_on_time": return "按期解决 " + fmtCount(v) + " 件";
      default: return "本月 " + fmtCount(v);
    }
  }

  var charts = {};

  function chart(id) {
    if (!charts[id]) charts[id] = window.echarts.init($(id), null, { renderer: "canvas" });
    return charts[id];
  }

  var axisStyle = {
    axisLine: { lineStyle: { color: "#3a5a82" } },
    axisLabel: { color: "#8fa6c2" },
    splitLine: { lineStyle: { color: "#1f3d63" } }
  };

  function nums(list) { return (list || []).map(function (v) { return isNum(v) ? v : null; }); }

  function renderTrend(data) {
    var trend = data.trend || {};
    var days = trend.days || [];
    $("trend-range").textContent = days.length ? days[0] + " 至 " + days[days.length - 1] : "";
    var line = function (name, key, color) {
      return { id: key, name: name, type: "line", smooth: true, showSymbol: false, data: nums(trend[key]),
               lineStyle: { width: 2, color: color }, itemStyle: { color: color }, areaStyle: { opacity: 0.08, color: color } };
    };
    chart("trend-chart").setOption({
      backgroundColor: "transparent",
      animation: !reduceMotion,
      color: [COLORS.petition, COLORS.safety, COLORS.volunteer],
      tooltip: { trigger: "axis" },
      legend: { top: 0, textStyle: { color: "#e6eef8" } },
      grid: { left: 40, right: 16, top: 36, bottom: 28 },
      xAxis: Object.assign({ type: "category", boundaryGap: false,
                             data: days.map(function (d) { return String(d).slice(5); }) }, axisStyle),
      yAxis: Object.assign({ type: "value", minInterval: 1 }, axisStyle),
      series: [
        line("信访受理", "petitions_received", COLORS.petition),
        line("发现隐患", "hazards_found", COLORS.safety),
        line("志愿点单", "volunteer_requests", COLORS.volunteer)
      ]
    });
  }

  function renderTownships(data) {
    var rows = data.townships || [];
    var names = rows.map(function (t) { return t.name || t.code; });
    var selected = state.township;
    var bar = function (name, key, color) {
      return { id: key, name: name, type: "bar", barMaxWidth: 12, itemStyle: { color: color },
               data: rows.map(function (t) { return isNum(t[key]) ? t[key] : null; }) };
    };
    chart("township-chart").setOption({
      backgroundColor: "transparent",
      animation: !reduceMotion,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, textStyle: { color: "#e6eef8" } },
      grid: { left: 40, right: 40, top: 36, bottom: 28 },
      xAxis: Object.assign({}, axisStyle, {
        type: "category", data: names,
        axisLabel: { interval: 0, color: function (value, index) {
          return rows[index] && rows[index].code === selected ? COLORS.safety : "#8fa6c2";
        } }
      }),
      yAxis: [
        Object.assign({ type: "value", name: "件", minInterval: 1, nameTextStyle: { color: "#8fa6c2" } }, axisStyle),
        Object.assign({}, axisStyle, { type: "value", name: "得分", min: 0, max: 100,
                                       nameTextStyle: { color: "#8fa6c2" }, splitLine: { show: false } })
      ],
      series: [
        bar("信访受理", "petitions_received", COLORS.petition),
        bar("信访超期", "petitions_overdue", "#0288d1"),
        bar("未整改隐患", "hazards_open", COLORS.safety),
        bar("超期隐患", "hazards_overdue", COLORS.bad),
        bar("志愿完成", "volunteer_completed", COLORS.volunteer),
        { id: "score", name: "综合得分", type: "line", yAxisIndex: 1, symbolSize: 6,
          itemStyle: { color: COLORS.score }, lineStyle: { color: COLORS.score },
          data: rows.map(function (t) { return isNum(t.score) ? t.score : null; }) }
      ]
    });
  }

  function changeCell(row) {
    var rc = row.rank_change;
    var sc = row.score_change;
    var text, cls;
    if (state.noComparison) return el("td", { className: "change flat", text: "—", title: "上月数据不完整" });
    if (!isNum(rc)) { text = "—"; cls = "flat"; }
    else if (rc > 0) { text = "↑" + rc; cls = "up"; }
    else if (rc < 0) { text = "↓" + (-rc); cls = "down"; }
    else { text = "—"; cls = "flat"; }
    if (isNum(sc)) text += "（" + (sc > 0 ? "+" : sc < 0 ? "−" : "±") + twoFmt.format(Math.abs(sc)) + "）";
    return el("td", { className: "change " + cls, text: text });
  }

  function renderRanking(data) {
    var ranking = data.ranking || {};
    var red = ranking.red_list || [];
    var black = ranking.black_list || [];
    $("ranking-period").textContent = ranking.period ? ranking.period + " · 按综合得分" : "";
    var status = $("ranking-status");
    status.textContent = ranking.provisional ? "暂定" : ranking.provisional === false ? "已定稿" : "";
    status.title = ranking.status_zh || "";
    status.hidden = !status.textContent;
    var cmp = ranking.comparison;
    var note = $("ranking-comparison");
    note.textContent = cmp && !cmp.available ? (cmp.note_zh || "上月数据不完整") : "";
    note.hidden = !note.textContent;
    state.noComparison = !!(cmp && !cmp.available);
    var body = document.querySelector("#ranking-table tbody");
    body.textContent = "";
    var rows = ranking.rows || [];
    if (!rows.length) {
      body.appendChild(el("tr", { className: "empty" }, [el("td", { colspan: "9", text: "本期暂无排名数据" })]));
      return;
    }
    rows.forEach(function (r) {
      var onRed = red.indexOf(r.township) >= 0;
      var onBlack = black.indexOf(r.township) >= 0;
      var cls = [onRed ? "red-list" : "", onBlack ? "black-list" : "",
                 r.township === state.township ? "selected" : ""].join(" ").trim();
      body.appendChild(el("tr", { className: cls, "data-township": r.township || "" }, [
        el("td", { className: "rank", text: isNum(r.rank) ? String(r.rank) : "—" }),
        el("td", { className: "name", text: r.name || state.names[r.township] || r.township || "—" }),
        el("td", { className: "score", text: fmtScore(r.score) }),
        changeCell(r),
        el("td", { text: fmtScore(r.petition) }),
        el("td", { text: fmtScore(r.safety) }),
        el("td", { text: fmtScore(r.volunteer) }),
        el("td", { text: fmtScore(r.liaison) }),
        el("td", { className: "lists" }, [
          onRed ? el("span", { className: "badge red", text: "红榜" }) : null,
          onBlack ? el("span", { className: "badge black", text: "黑榜" }) : null
        ])
      ]));
    });
  }

  function overdueDays(since, now) {
    var s = parseTime(since);
    if (s === null || now === null) return "—";
    var days = Math.floor((now - s) / 86400000);
    return days < 1 ? "不足1天" : days + " 天";
  }

  function townshipCell(item) {
    return el("td", { className: "name", text: item.township_name || state.names[item.township] || item.township || "—" });
  }

  // A row leads to its case: the first label is a link to the case in its own service. A click opens it
  // in the case panel, fetched with the dashboard's own token (the link alone would carry none).
  function caseLink(item, text) {
    var td = el("td", { className: "case" });
    if (item.url) {
      var a = el("a", { href: item.url, target: "_blank", rel: "noopener", text: text, title: "打开案件详情" });
      a.addEventListener("click", function (ev) {
        if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;  // a new tab: the raw record
        ev.preventDefault();
        openCase(item.url, text);
      });
      td.appendChild(a);
    } else td.textContent = text;
    return td;
  }

  // What the case panel shows of a matter (petition) or a hazard (safety): no personal data is asked
  // for, and the services show none to the dashboard's read-only role anyway.
  var CASE_FIELDS = [
    ["status_zh", "状态"], ["kind_zh", "性质"], ["category_zh", "类别"], ["subcategory_zh", "子类"],
    ["department", "承办部门"], ["township_code", "乡镇代码"], ["registered_at", "登记时间"],
    ["assigned_at", "交办时间"], ["accepted_at", "受理时间"], ["replied_at", "答复时间"],
    ["level", "隐患级别"], ["status", "状态代码"], ["found_at", "发现时间"], ["deadline", "整改期限"],
    ["reported_at", "整改报告时间"]
  ];
  var LEVELS_ZH = { general: "一般隐患", major: "重大隐患" };

  function caseValue(key, value) {
    if (key === "level") return LEVELS_ZH[value] || value;
    if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}T/.test(value)) return fmtDateTime(value);
    return String(value);
  }

  function caseSteps(data) {
    if (Array.isArray(data.deadlines)) {
      return data.deadlines.map(function (d) {
        var state = d.met_on_time === true ? "按期办结" : d.met_on_time === false ? "超期办结" : "办理中";
        var label = d.label_zh || d.kind;
        if (!/期限$/.test(label)) label += "期限";
        return [d.last_day || "—", label, d.note ? state + "（" + d.note + "）" : state];
      });
    }
    return (data.history || []).map(function (h) {
      return [fmtDateTime(h.at), h.action || "—", h.to_status || ""];
    });
  }

  function showCase(data) {
    var fields = $("case-fields");
    fields.textContent = "";
    CASE_FIELDS.forEach(function (f) {
      var v = data[f[0]];
      if (v === null || v === undefined || v === "" || (f[0] === "status" && data.status_zh)) return;
      fields.appendChild(el("dt", { text: f[1] }));
      fields.appendChild(el("dd", { text: caseValue(f[0], v) }));
    });
    var steps = caseSteps(data), body = document.querySelector("#case-steps tbody");
    body.textContent = "";
    steps.forEach(function (row) {
      body.appendChild(el("tr", null, row.map(function (c) { return el("td", { text: c }); })));
    });
    $("case-steps").hidden = steps.length === 0;
  }

  function openCase(url, title) {
    var dialog = $("case-dialog");
    $("case-title").textContent = title;
    $("case-status").textContent = "正在打开…";
    $("case-fields").textContent = "";
    $("case-steps").hidden = true;
    dialog.dataset.state = "loading";
    if (!dialog.open) dialog.showModal();
    return fetch(url, { headers: authHeaders("application/json"), cache: "no-store" })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) { return { ok: r.ok, status: r.status, body: body }; });
      })
      .then(function (res) {
        if (!res.ok) {
          var msg = (res.body && res.body.error && res.body.error.message) || "";
          $("case-status").textContent = "无法打开案件（HTTP " + res.status + "）" + (msg ? "：" + msg : "");
          dialog.dataset.state = "error";
          return;
        }
        $("case-status").textContent = "";
        showCase(res.body);
        dialog.dataset.state = "shown";
      })
      .catch(function () {
        $("case-status").textContent = "无法连接案件所在的服务";
        dialog.dataset.state = "error";
      });
  }

  function petitionCells(item, last) {
    return [townshipCell(item), caseLink(item, item.category_zh || item.category || "信访事项"),
            el("td", { text: item.department_zh || item.department || "未交办" }),
            el("td", { text: item.deadline_zh || PETITION_STAGES[item.deadline] || item.dimension || "—" }), last];
  }

  function hazardCells(item, last) {
    return [townshipCell(item), caseLink(item, item.enterprise_name || ("某" + (item.industry_zh || "") + "企业")),
            el("td", { text: item.level_zh || HAZARD_LEVELS[item.level || item.dimension] || "—" }),
            el("td", { text: item.industry_zh || "—" }), last];
  }

  function renderCaseTable(tableId, countId, items, cells, lastCell, emptyText, sortKey) {
    var body = document.querySelector("#" + tableId + " tbody");
    body.textContent = "";
    $(countId).textContent = items.length + " 项";
    if (!items.length) {
      body.appendChild(el("tr", { className: "empty" }, [el("td", { colspan: "5", text: emptyText })]));
      return;
    }
    items.slice().sort(function (a, b) {
      return (parseTime(a[sortKey]) || 0) - (parseTime(b[sortKey]) || 0);
    }).forEach(function (item) {
      body.appendChild(el("tr", { "data-key": item.key || "" }, cells(item, lastCell(item))));
    });
  }

  function renderOverdue(data) {
    var overdue = data.overdue || {};
    var soon = data.due_soon || {};
    var now = parseTime(data.generated_at);
    var late = function (item) { return el("td", { className: "days", text: overdueDays(item.since, now) }); };
    var due = function (item) { return el("td", { text: fmtShort(item.due_at) }); };
    renderCaseTable("overdue-petitions", "overdue-petitions-count", overdue.petitions || [], petitionCells, late,
                    "暂无超期信访事项", "since");
    renderCaseTable("overdue-hazards", "overdue-hazards-count", overdue.hazards || [], hazardCells, late,
                    "暂无超期隐患", "since");
    renderCaseTable("due-soon-petitions", "due-soon-petitions-count", soon.petitions || [], petitionCells, due,
                    "暂无临近时限事项", "due_at");
    renderCaseTable("due-soon-hazards", "due-soon-hazards-count", soon.hazards || [], hazardCells, due,
                    "暂无临近期限隐患", "due_at");
  }

  function renderAccidents(data) {
    var panel = data.accidents || {};
    var body = document.querySelector("#accidents-table tbody");
    body.textContent = "";
    (panel.grades || []).forEach(function (g) {
      var serious = g.grade !== "ordinary" && g.count > 0;
      body.appendChild(el("tr", { className: serious ? "serious" : "", "data-grade": g.grade }, [
        el("td", { text: g.grade_zh }), el("td", { text: fmtCount(g.count) }),
        el("td", { className: g.deaths ? "bad" : "", text: fmtCount(g.deaths) }),
        el("td", { text: fmtCount(g.serious_injuries) })
      ]));
    });
    $("accidents-total").textContent = isNum(panel.count)
      ? "共 " + panel.count + " 起 · 死亡 " + panel.deaths + " 人 · 重伤 " + panel.serious_injuries + " 人" : "";
    var banner = $("accident-alert");
    var alert = data.accident_alert;
    banner.textContent = alert ? alert.text_zh : "";
    banner.setAttribute("data-level", alert ? alert.level : "");
    banner.hidden = !alert;
  }

  function renderCategories(data) {
    var cats = data.categories || {};
    var rows = cats.rows || [];
    var max = rows.reduce(function (m, r) { return Math.max(m, r.count || 0); }, 0);
    $("categories-month").textContent = cats.month || "";
    var body = document.querySelector("#categories-table tbody");
    body.textContent = "";
    rows.forEach(function (r) {
      var bar = el("span", { className: "bar" });
      bar.style.width = (max ? Math.round(100 * r.count / max) : 0) + "%";
      body.appendChild(el("tr", { "data-category": r.category }, [
        el("td", { text: r.zh }), el("td", { className: "num", text: fmtCount(r.count) }),
        el("td", { className: "bar-cell" }, [bar])
      ]));
    });
  }

  // 驻村联户 (issue 15): this month's stationing compliance and visit coverage per township.
  function rateBar(v, low) {
    var bar = el("span", { className: "bar" + (isNum(v) && v < low ? " low" : "") });
    bar.style.width = (isNum(v) ? Math.round(100 * Math.min(1, v)) : 0) + "%";
    return el("td", { className: "rate-cell" }, [el("span", { className: "num", text: fmtRate(v) }),
                                                 el("span", { className: "track" }, [bar])]);
  }

  function renderLiaison(data) {
    var liaison = data.liaison || {};
    $("liaison-month").textContent = liaison.month || "";
    var body = document.querySelector("#liaison-table tbody");
    body.textContent = "";
    var rows = (liaison.rows || []).filter(function (r) {
      return r.cadre_weeks || r.households_paired || r.problems_raised;
    });
    if (!rows.length) {
      body.appendChild(el("tr", { className: "empty" }, [el("td", { colspan: "6", text: "本月暂无驻村联户数据" })]));
      return;
    }
    rows.forEach(function (r) {
      body.appendChild(el("tr", { "data-township": r.code, className: r.code === state.township ? "selected" : "" }, [
        el("th", { scope: "row", className: "name", text: r.name || state.names[r.code] || r.code }),
        rateBar(r.stationing_compliance, 0.8),
        el("td", { className: "num", text: fmtCount(r.cadre_weeks) + "（" + fmtCount(r.short_weeks) + "）" }),
        rateBar(r.visit_coverage, 0.8),
        el("td", { className: "num", text: fmtCount(r.households_visited) + "/" + fmtCount(r.households_paired) }),
        el("td", { className: "num",
                   text: fmtCount(r.problems_raised) + "（" + fmtCount(r.problems_resolved_on_time) + "）" })
      ]));
    });
  }

  // A card's figure in the largest size (26px down to 14px) at which it fits its card: "100.0%" in a narrow
  // card (five or seven to a panel on a 1440 px screen) ran over its edge. A unit ("分钟") wraps below.
  function fitValues() {
    Array.prototype.forEach.call(document.querySelectorAll(".card .value"), function (v) {
      v.style.fontSize = "";
      for (var size = 26; v.scrollWidth > v.clientWidth && size > 14; size -= 2) v.style.fontSize = (size - 2) + "px";
    });
  }

  function render(data, first) {
    if (!data || typeof data !== "object") return;
    // Never go back in time: a late fetch or stream message older than what is shown is dropped.
    if (state.last && state.last.scope && data.scope && state.last.scope.code === data.scope.code) {
      var shown = parseTime(state.last.generated_at);
      var incoming = parseTime(data.generated_at);
      if (shown !== null && incoming !== null && incoming < shown) return;
    }
    var firstForScope = first || !state.last;
    state.last = data;
    learnNames(data);
    renderHeader(data);
    renderCards(data, firstForScope);
    fitValues();
    if (window.echarts) {
      renderTrend(data);
      renderTownships(data);
    } else {
      showAlert("图表组件未加载（vendor/echarts.min.js）。");
    }
    renderRanking(data);
    renderOverdue(data);
    renderAccidents(data);
    renderCategories(data);
    renderLiaison(data);
    state.renders += 1;
    document.body.setAttribute("data-renders", String(state.renders));
    document.body.setAttribute("data-state", "ready");
  }

  // ----- start -----------------------------------------------------------------------------------

  function onTownshipChange() {
    state.township = $("township-select").value;
    state.last = null;
    writeUrl();
    refresh();
    connectStream();
  }

  function start() {
    readUrl();
    var select = $("township-select");
    if (state.township) select.appendChild(el("option", { value: state.township, text: state.township }));
    select.value = state.township;
    select.addEventListener("change", onTownshipChange);
    $("token-form").addEventListener("submit", onTokenSubmit);
    $("case-close").addEventListener("click", function () { $("case-dialog").close(); });
    if (state.legacyToken) showAlert("令牌不能放在网址中（会被记录在日志里），请在右上角输入访问令牌。");
    window.addEventListener("resize", function () {
      fitValues();
      Object.keys(charts).forEach(function (id) { charts[id].resize(); });
    });
    refresh();  // the stream opens once the first fetch succeeds (no stream without access)
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
