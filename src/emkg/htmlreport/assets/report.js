/* emkg report: draws the views from the saved queries' answers embedded in the page.
   Hand-written SVG and DOM, no library, no network. Every mark carries the IRI of the node it
   draws; selecting it shows that node's verbatim quotes, DOI and IRI. */
(function () {
  "use strict";
  var started = performance.now();
  var D = JSON.parse(document.getElementById("emkg-data").textContent);
  var S = D.strings;
  var SVGNS = "http://www.w3.org/2000/svg";

  // ---------------------------------------------------------------- helpers
  function rowsOf(key) {
    var t = D.tables[key];
    if (!t) return [];
    return t.rows.map(function (r) {
      var o = {};
      for (var i = 0; i < t.columns.length; i++) o[t.columns[i]] = r[i] === null ? null : S[r[i]];
      return o;
    });
  }
  function local(iri) {
    if (!iri) return "";
    var m = /[#\/]([^#\/]*)$/.exec(iri);
    return m ? m[1] : iri;
  }
  function h(tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k]);
    for (var i = 2; i < arguments.length; i++) append(e, arguments[i]);
    return e;
  }
  function s(tag, attrs) {
    var e = document.createElementNS(SVGNS, tag);
    if (attrs) for (var k in attrs) if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k]);
    for (var i = 2; i < arguments.length; i++) append(e, arguments[i]);
    return e;
  }
  function append(e, c) {
    if (c === null || c === undefined || c === false) return;
    if (Array.isArray(c)) { c.forEach(function (x) { append(e, x); }); return; }
    e.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); return e; }
  function byId(id) { return document.getElementById(id); }
  function fmt(n) { return Number(n).toLocaleString("en"); }
  function truncate(t, n) { return t && t.length > n ? t.slice(0, n - 1) + "\u2026" : (t || ""); }
  function sortedBy(arr, f) { return arr.slice().sort(function (a, b) { var x = f(a), y = f(b); return x < y ? -1 : x > y ? 1 : 0; }); }

  // Accessible palettes. Therapy classes: Okabe-Ito; site groups: Paul Tol's "muted";
  // index = the rank the saved query gives (queries/view/therapy-classes.rq, site-groups.rq).
  var THERAPY_COLOURS = ["#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#0072B2", "#D55E00"];
  var OTHER_THERAPY = { iri: "", label: "other or not named", rank: 99, colour: "#BBBBBB" };
  var SITE_COLOURS = ["#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499"];
  var OTHER_SITE = { iri: "other", label: "other site", rank: 99, colour: "#DDDDDD" };
  var NO_SITE = { iri: "none", label: "no site stated", rank: 100, colour: "#FFFFFF" };
  // marker shapes by the method group's rank (queries/view/method-groups.rq); 0 = none stated
  var SHAPES = ["cross", "circle", "ring", "pentagon", "square", "diamond", "triangle", "triangleDown", "hexagon", "star", "plus"];
  // one-to-three letter badges for the markers that are not EM findings
  var BADGES = {
    Diagnosis: { code: "Dx", stroke: "#444", fill: "#fff", ink: "#111" },
    DiseaseAssessment: { code: "BM", stroke: "#444", fill: "#fff", ink: "#111" },
    Response: { code: "Rsp", stroke: "#1a7f37", fill: "#fff", ink: "#0b4f20" },
    Relapse: { code: "Rel", stroke: "#b2182b", fill: "#fff", ink: "#8b0f1f" },
    Toxicity: { code: "Tox", stroke: "#7a4f00", fill: "#fff", ink: "#5a3a00" },
    Death: { code: "\u2020", stroke: "#000", fill: "#000", ink: "#fff" },
    FollowUp: { code: "FU", stroke: "#444", fill: "#eee", ink: "#111" }
  };
  // days per unit, for the axis only (the ontology: a month is about 30 days)
  var UNIT_DAYS = { Day: 1, Week: 7, Month: 30.4375, Year: 365.25 };
  var PX_PER_DAY = 2, TIME_CAP = 120, ORDER_GAP = 12, BAR_W = 58, MARK_W = 18, LANE_PAD = 12;

  // ---------------------------------------------------------------- the model
  var patients = new Map(), events = new Map(), sources = new Map(), evidence = new Map();
  rowsOf("timeline-events").forEach(function (r) {
    var p = patients.get(r.patient);
    if (!p) {
      p = { iri: r.patient, label: r.patientLabel || local(r.patient), sources: new Set(), events: [] };
      patients.set(r.patient, p);
    }
    p.sources.add(r.source);
    var ev = events.get(r.event);
    if (!ev) {
      ev = {
        iri: r.event, patient: p, label: r.eventLabel || local(r.event), kind: local(r.kind),
        kindLabel: r.kindLabel || local(r.kind), index: Number(r.sequenceIndex), values: new Map(),
        grade: null, methods: new Map(), sites: new Map(), measurements: new Map(),
        diseaseSeen: r.diseaseSeen === "true", sources: new Set(), intents: new Map(),
        agents: new Map(), offsets: [], placements: []
      };
      events.set(r.event, ev);
      p.events.push(ev);
    }
    ev.sources.add(r.source);
    if (r.value) ev.values.set(r.value, r.valueLabel || local(r.value));
    if (r.grade) ev.grade = r.grade;
    if (r.method) ev.methods.set(r.method, r.methodLabel || local(r.method));
    if (r.site) ev.sites.set(r.site, r.siteLabel || local(r.site));
    if (r.measurement) ev.measurements.set(r.measurement, {
      kind: local(r.measurementKind), kindLabel: r.measurementKindLabel || local(r.measurementKind), text: r.measurementText
    });
  });
  patients.forEach(function (p) { p.events.sort(function (a, b) { return a.index - b.index; }); });

  rowsOf("therapy-lines").forEach(function (r) {
    var ev = events.get(r.line);
    if (!ev) return;
    if (r.intent) ev.intents.set(r.intent, r.intentLabel || local(r.intent));
    if (r.agent) ev.agents.set(r.agent, r.agentLabel || local(r.agent));
  });
  var agentClasses = new Map(), therapyClasses = new Map();
  rowsOf("therapy-classes").forEach(function (r) {
    var rank = Number(r.rank);
    var c = therapyClasses.get(r.therapyClass);
    if (!c) {
      c = { iri: r.therapyClass, label: r.therapyClassLabel || local(r.therapyClass), rank: rank,
            colour: THERAPY_COLOURS[(rank - 1) % THERAPY_COLOURS.length] };
      therapyClasses.set(r.therapyClass, c);
    }
    if (!agentClasses.has(r.agent)) agentClasses.set(r.agent, []);
    agentClasses.get(r.agent).push(c);
  });
  var siteGroupOf = new Map(), siteGroups = new Map();
  rowsOf("site-groups").forEach(function (r) {
    var rank = Number(r.rank);
    var g = siteGroups.get(r.siteGroup);
    if (!g) {
      g = { iri: r.siteGroup, label: r.siteGroupLabel || local(r.siteGroup), rank: rank,
            colour: SITE_COLOURS[(rank - 1) % SITE_COLOURS.length] };
      siteGroups.set(r.siteGroup, g);
    }
    var have = siteGroupOf.get(r.site);
    if (!have || have.rank > rank) siteGroupOf.set(r.site, g);
  });
  var methodGroupOf = new Map(), methodGroups = new Map();
  rowsOf("method-groups").forEach(function (r) {
    var rank = Number(r.rank);
    var g = methodGroups.get(r.methodGroup);
    if (!g) {
      g = { iri: r.methodGroup, label: r.methodGroupLabel || local(r.methodGroup), rank: rank,
            shape: SHAPES[rank % SHAPES.length] };
      methodGroups.set(r.methodGroup, g);
    }
    var have = methodGroupOf.get(r.method);
    if (!have || have.rank > rank) methodGroupOf.set(r.method, g);
  });
  rowsOf("time-offsets").forEach(function (r) {
    var ev = events.get(r.event);
    if (!ev) return;
    ev.offsets.push({
      anchor: r.anchor, value: r.offsetValue === null ? null : Number(r.offsetValue),
      upper: r.offsetUpperValue === null ? null : Number(r.offsetUpperValue), unit: local(r.unit),
      unitLabel: r.unitLabel, qualifier: local(r.qualifier), qualifierLabel: r.qualifierLabel,
      approximate: r.approximate === "true", text: r.offsetText || ""
    });
  });
  rowsOf("placements").forEach(function (r) {
    var ev = events.get(r.event);
    if (!ev) return;
    ev.placements.push({ rel: local(r.relation), label: r.relationLabel || local(r.relation), other: r.other,
                         otherLabel: r.otherLabel || local(r.other), otherIndex: r.otherIndex === null ? null : Number(r.otherIndex) });
  });
  rowsOf("evidence").forEach(function (r) {
    if (!sources.has(r.source)) sources.set(r.source, { iri: r.source, doi: r.doi, citation: r.citation });
    if (!evidence.has(r.event)) evidence.set(r.event, []);
    evidence.get(r.event).push({ quote: r.quote, source: r.source });
  });
  patients.forEach(function (p) {
    p.sources.forEach(function (src) { if (!sources.has(src)) sources.set(src, { iri: src, doi: null, citation: null }); });
  });

  function lineClasses(ev) {
    var found = new Map();
    ev.agents.forEach(function (_l, agent) {
      (agentClasses.get(agent) || []).forEach(function (c) { found.set(c.iri, c); });
    });
    var list = sortedBy(Array.from(found.values()), function (c) { return c.rank; });
    return list.length ? list : [OTHER_THERAPY];
  }
  function findingGroup(ev) {
    var best = null;
    ev.sites.forEach(function (_l, site) {
      var g = siteGroupOf.get(site) || OTHER_SITE;
      if (!best || g.rank < best.rank) best = g;
    });
    return best || NO_SITE;
  }
  function findingShape(ev) {
    var best = null;
    ev.methods.forEach(function (_l, m) {
      var g = methodGroupOf.get(m);
      if (g && (!best || g.rank < best.rank)) best = g;
    });
    return best ? best.shape : SHAPES[0];
  }
  function statusOf(ev) {
    var st = null;
    ev.values.forEach(function (label, v) { if (!st) st = { key: local(v), label: label }; });
    return st || { key: "", label: "status not stated" };
  }
  function sourceLabel(src) {
    var m = sources.get(src);
    if (m && m.citation) {
      var c = m.citation, cut = c.indexOf(". ");
      return truncate(cut > 0 ? c.slice(0, cut) : c, 60);
    }
    return m && m.doi ? "doi:" + m.doi : src;
  }
  function doiLink(src) {
    var m = sources.get(src) || { doi: null };
    var doi = m.doi || (/^https:\/\/doi\.org\/(.+)$/.exec(src) || [])[1];
    if (!doi) return /^https?:\/\//.test(src || "") ? h("a", { href: src, rel: "noopener noreferrer", target: "_blank" }, src) : h("span", null, src || "");
    return h("a", { href: "https://doi.org/" + doi, rel: "noopener noreferrer", target: "_blank", "class": "doi" }, "doi:" + doi);
  }

  // --------------------------------------------------------- time on the axis
  // An event's time is known when one of its offsets is exact ("at", or no qualifier) or a
  // range, and its anchor's time is known; an event without such an offset starts its own
  // island at day 0. Times compare only inside one island.
  function usable(o) {
    return o.value !== null && UNIT_DAYS[o.unit] && (!o.qualifier || o.qualifier === "Exactly");
  }
  function resolveTime(ev, depth) {
    if (ev.time) return ev.time;
    if (depth > 50) return null;
    var best = null;
    ev.offsets.forEach(function (o) {
      if (!usable(o)) return;
      var anchor = events.get(o.anchor);
      if (!anchor || anchor.patient !== ev.patient || anchor === ev) return;
      var at = resolveTime(anchor, depth + 1);
      if (!at) return;
      var days = (o.upper !== null ? (o.value + o.upper) / 2 : o.value) * UNIT_DAYS[o.unit];
      var t = { island: at.island, days: at.days + days, approx: at.approx || o.approximate || o.upper !== null || o.unit === "Month" || o.unit === "Year" };
      if (!best || (best.approx && !t.approx)) best = t;
    });
    ev.time = best || { island: ev.iri, days: 0, approx: false };
    return ev.time;
  }
  function durationText(days, approx) {
    var a = approx ? "\u2248" : "";
    if (days < 14) return a + Math.round(days) + " d";
    if (days < 90) return a + Math.round(days / 7) + " wk";
    if (days < 730) return a + Math.round(days / 30.4375) + " mo";
    return a + (days / 365.25).toFixed(1) + " y";
  }

  // --------------------------------------------------------------- filters
  var state = { agent: "", site: "", source: "", page: 0, pageSize: 20, selected: null };
  function patientMatches(p) {
    if (state.source && !p.sources.has(state.source)) return false;
    if (state.agent && !p.events.some(function (ev) { return ev.agents.has(state.agent); })) return false;
    if (state.site && !p.events.some(function (ev) {
      return ev.kind === "EMFinding" && findingGroup(ev).iri === state.site;
    })) return false;
    return true;
  }
  function visiblePatients() {
    return sortedBy(Array.from(patients.values()).filter(patientMatches), function (p) { return p.label + "\u0000" + p.iri; });
  }
  function rowMatches(r) {
    if (state.source && r.source && r.source !== state.source) return false;
    if (state.agent && r.agent !== undefined && r.agent !== state.agent) return false;
    if (state.site && r.site !== undefined) {
      var g = r.site ? (siteGroupOf.get(r.site) || OTHER_SITE) : NO_SITE;
      if (g.iri !== state.site) return false;
    }
    return true;
  }
  function fillFilters() {
    var agents = new Map();
    events.forEach(function (ev) { ev.agents.forEach(function (l, a) { agents.set(a, l); }); });
    var sel = byId("filter-agent");
    sortedBy(Array.from(agents.entries()), function (e) { return e[1].toLowerCase(); }).forEach(function (e) {
      sel.appendChild(h("option", { value: e[0] }, e[1]));
    });
    var groups = sortedBy(Array.from(siteGroups.values()), function (g) { return g.rank; });
    var anyOther = false;
    events.forEach(function (ev) { if (ev.kind === "EMFinding" && findingGroup(ev) === OTHER_SITE) anyOther = true; });
    if (anyOther) groups.push(OTHER_SITE);
    sel = byId("filter-site");
    groups.forEach(function (g) { sel.appendChild(h("option", { value: g.iri }, g.label)); });
    sel = byId("filter-source");
    sortedBy(Array.from(sources.keys()), sourceLabel).forEach(function (src) {
      var m = sources.get(src);
      sel.appendChild(h("option", { value: src, title: m.citation || src }, sourceLabel(src)));
    });
    ["agent", "site", "source"].forEach(function (k) {
      byId("filter-" + k).addEventListener("change", function (e) { state[k] = e.target.value; state.page = 0; renderAll(); });
    });
    byId("filter-reset").addEventListener("click", function () {
      state.agent = state.site = state.source = ""; state.page = 0;
      ["agent", "site", "source"].forEach(function (k) { byId("filter-" + k).value = ""; });
      renderAll();
    });
  }

  // ---------------------------------------------------------------- evidence
  function selectMark(node) {
    var prev = document.querySelectorAll(".mark.selected");
    for (var i = 0; i < prev.length; i++) prev[i].classList.remove("selected");
    if (node) node.classList.add("selected");
  }
  function quoteBlock(iri) {
    var ev = evidence.get(iri) || [];
    if (!ev.length) return [h("p", { "class": "explain" }, "No quote is recorded for this node.")];
    return ev.map(function (q) {
      return h("div", { "class": "quote" },
        h("blockquote", { "class": "ev-quote" }, "\u201c" + q.quote + "\u201d"),
        h("div", { "class": "ev-source" }, doiLink(q.source), " ", h("span", { "class": "explain" }, sourceLabel(q.source))));
    });
  }
  function dl(pairs) {
    var d = h("dl");
    pairs.forEach(function (p) { if (p[1] !== null && p[1] !== undefined && p[1] !== "") { d.appendChild(h("dt", null, p[0])); d.appendChild(h("dd", null, p[1])); } });
    return d;
  }
  function eventFacts(ev) {
    var facts = [["Patient", ev.patient.label], ["Event", ev.kindLabel], ["Timeline position", String(ev.index)]];
    if (ev.kind === "TherapyLine") {
      facts.push(["Intent", Array.from(ev.intents.values()).join(", ") || "not stated"]);
      facts.push(["Agents", Array.from(ev.agents.values()).join(", ") || "not named in the source"]);
      facts.push(["Colour class", lineClasses(ev).map(function (c) { return c.label; }).join(", ")]);
    }
    if (ev.values.size) facts.push([ev.kind === "EMFinding" ? "Status" : "What", Array.from(ev.values.values()).join(", ")]);
    if (ev.grade) facts.push(["Grade", ev.grade]);
    if (ev.sites.size) facts.push(["Site", Array.from(ev.sites.values()).join(", ") + (ev.kind === "EMFinding" ? " (" + findingGroup(ev).label + ")" : "")]);
    if (ev.methods.size) facts.push(["Method", Array.from(ev.methods.values()).join(", ")]);
    ev.measurements.forEach(function (m) { facts.push([m.kindLabel, m.text || "value not given as text"]); });
    var times = ev.offsets.map(function (o) {
      var a = events.get(o.anchor);
      return o.text + (a ? " (from: " + a.label + ")" : "");
    });
    if (ev.placements.length) {
      facts.push(["Placed", ev.placements.map(function (x) { return x.label + " " + x.otherLabel; }).join("; ") +
                  " (the source gives no more: drawn over that span, not at its position)"]);
    }
    facts.push(["Time", times.length ? times.join("; ") : ev.placements.length ? "not stated" : "not stated: placed by its order on the timeline"]);
    return facts;
  }
  function showEvent(ev, node) {
    selectMark(node);
    state.selected = ev.iri;
    var body = clear(byId("evidence-body"));
    append(body, [h("h3", { "class": "ev-title" }, ev.label), dl(eventFacts(ev)), h("h4", null, "Quotes")]);
    append(body, quoteBlock(ev.iri));
    append(body, [h("h4", null, "Node"), h("code", { "class": "ev-iri" }, ev.iri)]);
  }
  function showList(title, explain, items) {
    selectMark(null);
    var body = clear(byId("evidence-body"));
    append(body, [h("h3", { "class": "ev-title" }, title), h("p", { "class": "explain" }, explain)]);
    if (!items.length) append(body, h("p", null, "Nothing to show."));
    items.slice(0, 200).forEach(function (it) {
      append(body, h("div", { "class": "ev-item" },
        h("strong", null, it.label), it.sub ? h("div", { "class": "explain" }, it.sub) : null,
        quoteBlock(it.iri), h("code", { "class": "ev-iri" }, it.iri)));
    });
    if (items.length > 200) append(body, h("p", { "class": "explain" }, "First 200 of " + fmt(items.length) + "."));
  }
  function hoverText(ev) {
    var q = (evidence.get(ev.iri) || [])[0];
    var src = q ? sources.get(q.source) : null;
    var lines = [ev.label + " (" + ev.kindLabel + ", position " + ev.index + ")"];
    if (q) lines.push("\u201c" + truncate(q.quote, 220) + "\u201d");
    if (src && src.doi) lines.push("doi:" + src.doi);
    lines.push(ev.iri);
    return lines.join("\n");
  }

  // ---------------------------------------------------------------- glyphs
  function shapePath(shape, x, y, r) {
    var pts = function (n, rot, rr) {
      var a = [];
      for (var i = 0; i < n; i++) { var t = rot + (2 * Math.PI * i) / n; a.push((x + rr * Math.cos(t)).toFixed(1) + "," + (y + rr * Math.sin(t)).toFixed(1)); }
      return a.join(" ");
    };
    switch (shape) {
      case "circle": return s("circle", { cx: x, cy: y, r: r });
      case "ring": return s("g", null, s("circle", { cx: x, cy: y, r: r }), s("circle", { cx: x, cy: y, r: r * 0.45, fill: "#fff" }));
      case "square": return s("rect", { x: x - r * 0.85, y: y - r * 0.85, width: r * 1.7, height: r * 1.7 });
      case "diamond": return s("polygon", { points: pts(4, 0, r * 1.15) });
      case "triangle": return s("polygon", { points: pts(3, -Math.PI / 2, r * 1.15) });
      case "triangleDown": return s("polygon", { points: pts(3, Math.PI / 2, r * 1.15) });
      case "pentagon": return s("polygon", { points: pts(5, -Math.PI / 2, r * 1.1) });
      case "hexagon": return s("polygon", { points: pts(6, 0, r * 1.05) });
      case "star": {
        var a = [];
        for (var i = 0; i < 10; i++) { var t = -Math.PI / 2 + (Math.PI * i) / 5, rr = i % 2 ? r * 0.5 : r * 1.2; a.push((x + rr * Math.cos(t)).toFixed(1) + "," + (y + rr * Math.sin(t)).toFixed(1)); }
        return s("polygon", { points: a.join(" ") });
      }
      case "plus": return s("path", { d: "M" + (x - r) + " " + (y - r / 3) + "h" + (r * 2 / 3) + "v" + (-r * 2 / 3) + "h" + (r * 2 / 3) + "v" + (r * 2 / 3) + "h" + (r * 2 / 3) + "v" + (r * 2 / 3) + "h" + (-r * 2 / 3) + "v" + (r * 2 / 3) + "h" + (-r * 2 / 3) + "v" + (-r * 2 / 3) + "h" + (-r * 2 / 3) + "z" });
      default: return s("path", { d: "M" + (x - r) + " " + (y - r) + "L" + (x + r) + " " + (y + r) + "M" + (x + r) + " " + (y - r) + "L" + (x - r) + " " + (y + r), "stroke-width": 3 });
    }
  }
  function findingGlyph(ev, x, y) {
    var g = findingGroup(ev), st = statusOf(ev), shape = findingShape(ev);
    var glyph = shapePath(shape, x, y, 6.5);
    var seen = ev.diseaseSeen; // the view's diseaseSeen: a status the ontology types emkg:DiseaseSeenStatus
    var fill = seen ? g.colour : st.key === "Pseudoprogression" ? g.colour : "#fff";
    var attrs = { fill: fill, stroke: seen ? "#222" : g.colour === "#FFFFFF" ? "#222" : g.colour, "stroke-width": seen ? 1 : 2.2 };
    if (shape === "cross") { attrs.fill = "none"; attrs.stroke = seen ? g.colour : "#888"; attrs["stroke-width"] = 3; }
    if (st.key === "Pseudoprogression") { attrs["fill-opacity"] = 0.35; attrs["stroke-dasharray"] = "2 2"; attrs.stroke = "#222"; }
    if (st.key === "NotAssessed") { attrs.fill = "#fff"; attrs.stroke = "#999"; attrs["stroke-dasharray"] = "1 2"; }
    for (var k in attrs) glyph.setAttribute(k, attrs[k]);
    glyph.setAttribute("data-disease-seen", seen ? "true" : "false");
    var parts = [glyph];
    if (st.key === "Resolved") parts.push(s("line", { x1: x - 7, y1: y + 7, x2: x + 7, y2: y - 7, stroke: "#222", "stroke-width": 1.5 }));
    if (st.key === "Progressing") parts.push(s("text", { x: x + 7, y: y - 5, "class": "badge-text" }, "+"));
    return parts;
  }
  function badgeGlyph(ev, x, y) {
    var b = BADGES[ev.kind] || { code: "?", stroke: "#444", fill: "#fff", ink: "#111" };
    var code = b.code;
    if (ev.kind === "Toxicity" && ev.grade) code = "G" + ev.grade;
    if (ev.kind === "DiseaseAssessment") {
      var mrd = false;
      ev.measurements.forEach(function (m) { if (m.kind === "MRD") mrd = true; });
      code = mrd ? "MRD" : "BM";
    }
    var w = Math.max(16, code.length * 6 + 6);
    return [s("rect", { x: x - w / 2, y: y - 7, width: w, height: 14, rx: 3, fill: b.fill, stroke: b.stroke, "stroke-width": 1.5 }),
            s("text", { x: x, y: y + 3.5, "text-anchor": "middle", "class": "badge-text", fill: b.ink }, code)];
  }

  // ---------------------------------------------------------------- lanes
  // Where an event placed relative to another may lie: [lo, hi] on the lane, from the slots
  // of the events it is placed relative to (an event not drawn stands just after the last
  // drawn event listed before it). hi is null when nothing bounds it on the right.
  function placedSpan(ev, bySlot, ordered) {
    var lo = null, hi = null;
    var edges = function (pl) {
      var sl = bySlot.get(pl.other);
      if (sl) return { start: sl.x, end: sl.x + sl.w };
      var before = null;
      ordered.forEach(function (o) { if (pl.otherIndex !== null && o.ev.index < pl.otherIndex) before = o; });
      var at = before ? before.x + before.w + ORDER_GAP / 2 : LANE_PAD;
      return { start: at, end: at };
    };
    ev.placements.forEach(function (pl) {
      var e = edges(pl), l = null, u = null;
      if (pl.rel === "during" || pl.rel === "sameTimeAs") { l = e.start; u = e.end; }
      else if (pl.rel === "notBefore") l = e.start;
      else if (pl.rel === "placedAfter") l = e.end;
      else if (pl.rel === "placedBefore") u = e.start;
      else l = e.start;
      if (l !== null) lo = lo === null ? l : Math.max(lo, l);
      if (u !== null) hi = hi === null ? u : Math.min(hi, u);
    });
    if (lo === null) lo = LANE_PAD;
    if (hi !== null && hi < lo + 6) hi = lo + 6;
    return { lo: lo, hi: hi };
  }

  function laneLayout(p) {
    var x = LANE_PAD, prev = null, slots = [], segments = [];
    var ordered = p.events.filter(function (ev) { return !ev.placements.length; });
    var placedEvents = p.events.filter(function (ev) { return ev.placements.length; });
    ordered.forEach(function (ev) {
      var w = ev.kind === "TherapyLine" ? BAR_W : MARK_W;
      var t = resolveTime(ev, 0);
      if (prev) {
        var pt = prev.ev.time, seg = { x1: prev.x + prev.w, kind: "order" };
        if (pt && t && pt.island === t.island && t.days >= pt.days) {
          var days = t.days - pt.days, len = days * PX_PER_DAY;
          seg.kind = "time"; seg.days = days; seg.approx = t.approx || pt.approx;
          seg.broken = len > TIME_CAP;
          x = prev.x + prev.w + Math.max(4, Math.min(len, TIME_CAP));
        } else {
          x = prev.x + prev.w + ORDER_GAP;
        }
        seg.x2 = x;
        segments.push(seg);
      }
      var slot = { ev: ev, x: x, w: w };
      slots.push(slot);
      prev = slot;
    });
    var bySlot = new Map();
    slots.forEach(function (sl) { bySlot.set(sl.ev.iri, sl); });
    var placed = [], placedRows = [];
    placedEvents.forEach(function (ev) {
      var span = placedSpan(ev, bySlot, slots);
      var hi = span.hi === null ? span.lo + 70 : span.hi;
      var w = ev.kind === "TherapyLine" ? Math.min(BAR_W, Math.max(18, hi - span.lo)) : MARK_W;
      var mid = (span.lo + hi) / 2;
      var item = { ev: ev, x: mid - w / 2, w: w, lo: span.lo, hi: hi, open: span.hi === null, placed: true };
      var left = Math.min(span.lo, item.x) - 2, right = Math.max(hi, item.x + w) + 2;
      for (var r = 0; r <= placedRows.length; r++) {
        if (r === placedRows.length) placedRows.push([]);
        if (!placedRows[r].some(function (b) { return b[0] < right && left < b[1]; })) { item.row = r; placedRows[r].push([left, right]); break; }
      }
      placed.push(item);
      bySlot.set(ev.iri, item);
    });
    // offsets drawn as brackets from the anchor to the event, packed into rows
    var brackets = [];
    slots.concat(placed).forEach(function (sl) {
      sl.ev.offsets.forEach(function (o) {
        var a = bySlot.get(o.anchor);
        if (!a) return;
        var x1 = Math.min(a.x + a.w / 2, sl.x + sl.w / 2), x2 = Math.max(a.x + a.w / 2, sl.x + sl.w / 2);
        var textW = Math.min(o.text.length * 5.2 + 8, 260);
        brackets.push({ x1: x1, x2: x2, left: x1, right: Math.max(x2, x1 + textW), text: o.text, from: a.ev, to: sl.ev });
      });
    });
    var rows = [];
    sortedBy(brackets, function (b) { return b.left; }).forEach(function (b) {
      for (var r = 0; r < rows.length; r++) if (rows[r] < b.left - 4) { b.row = r; rows[r] = b.right; return; }
      b.row = rows.length; rows.push(b.right);
    });
    var width = x + (prev ? prev.w : 0) + LANE_PAD + 40;
    brackets.forEach(function (b) { width = Math.max(width, b.right + LANE_PAD); });
    placed.forEach(function (pl) { width = Math.max(width, pl.hi + LANE_PAD + 10, pl.x + pl.w + LANE_PAD); });
    return { slots: slots, placed: placed, placedRows: placedRows.length, segments: segments, brackets: brackets,
             bracketRows: rows.length, width: width };
  }

  function dimmed(ev) {
    if (state.site && ev.kind === "EMFinding" && findingGroup(ev).iri !== state.site) return true;
    if (state.agent && ev.kind === "TherapyLine" && !ev.agents.has(state.agent)) return true;
    return false;
  }

  function renderLane(p) {
    var L = laneLayout(p);
    var top = 18, PLACED_ROW = 24, axisY = top + 24 + L.placedRows * PLACED_ROW, height = axisY + 26 + L.bracketRows * 15 + 6;
    var svg = s("svg", { width: L.width, height: height, viewBox: "0 0 " + L.width + " " + height, role: "group",
                         "aria-label": "Timeline of " + p.label, "class": "lane", "data-patient": p.iri });
    var srcs = Array.from(p.sources).map(sourceLabel).join("; ");
    svg.appendChild(s("text", { x: LANE_PAD, y: 12, "class": "lane-title" }, p.label, s("tspan", { "class": "lane-sub", dx: 8 }, srcs)));
    L.segments.forEach(function (seg) {
      if (seg.kind === "time" && seg.broken) {
        var mid = (seg.x1 + seg.x2) / 2;
        svg.appendChild(s("line", { x1: seg.x1, y1: axisY, x2: mid - 4, y2: axisY, "class": "axis-time" }));
        svg.appendChild(s("line", { x1: mid + 4, y1: axisY, x2: seg.x2, y2: axisY, "class": "axis-time" }));
        svg.appendChild(s("path", { d: "M" + (mid - 7) + " " + (axisY + 5) + "l5 -10M" + (mid - 1) + " " + (axisY + 5) + "l5 -10", "class": "break-mark" }));
      } else {
        svg.appendChild(s("line", { x1: seg.x1, y1: axisY, x2: seg.x2, y2: axisY, "class": seg.kind === "time" ? "axis-time" : "axis-order" }));
      }
      if (seg.kind === "time" && seg.x2 - seg.x1 >= 26) {
        svg.appendChild(s("text", { x: (seg.x1 + seg.x2) / 2, y: axisY + 12, "text-anchor": "middle", "class": "axis-label" }, durationText(seg.days, seg.approx)));
      }
    });
    L.placed.forEach(function (pl) {
      var y = axisY - (pl.row + 1) * PLACED_ROW;
      var d = "M" + pl.lo + " " + (y - 4) + "V" + (y + 4) + "M" + pl.lo + " " + y + "H" + pl.hi;
      d += pl.open ? "l-5 -4M" + pl.hi + " " + y + "l-5 4" : "M" + pl.hi + " " + (y - 4) + "V" + (y + 4);
      var why = pl.ev.placements.map(function (x) { return x.label + " " + x.otherLabel; }).join("; ");
      svg.appendChild(s("path", { d: d, fill: "none", stroke: "#555", "stroke-width": 1.2, "stroke-dasharray": "3 2", "class": "placed-span" },
        s("title", null, pl.ev.label + ": " + why + " (no position of its own on the timeline)")));
    });
    L.slots.concat(L.placed).forEach(function (sl) {
      var ev = sl.ev, isBar = ev.kind === "TherapyLine";
      var axisY0 = axisY;
      if (sl.placed) axisY = axisY0 - (sl.row + 1) * PLACED_ROW;
      var g = s("g", { "class": "mark " + (isBar ? "bar" : "marker") + (dimmed(ev) ? " dim" : ""), tabindex: 0, role: "button",
                       "data-event": ev.iri, "data-kind": ev.kind, "data-patient": p.iri,
                       "aria-label": ev.kindLabel + ": " + ev.label });
      g.appendChild(s("title", null, hoverText(ev)));
      if (isBar) {
        var cls = lineClasses(ev), bh = 16, y0 = axisY - bh / 2;
        cls.forEach(function (c, i) {
          g.appendChild(s("rect", { x: sl.x, y: y0 + (bh * i) / cls.length, width: sl.w, height: bh / cls.length, fill: c.colour }));
        });
        g.appendChild(s("rect", { x: sl.x, y: y0, width: sl.w, height: bh, fill: "none", stroke: "#222", "stroke-width": 1 }));
        var intent = Array.from(ev.intents.values()).join(", ") || "intent not stated";
        g.appendChild(s("text", { x: sl.x + 1, y: y0 - 3, "class": "bar-label" }, truncate(intent, 12)));
        g.appendChild(s("rect", { x: sl.x - 1, y: y0 - 13, width: sl.w + 2, height: bh + 15, "class": "hit" }));
      } else {
        var cx = sl.x + sl.w / 2;
        append(g, ev.kind === "EMFinding" ? findingGlyph(ev, cx, axisY) : badgeGlyph(ev, cx, axisY));
        var hw = ev.kind === "EMFinding" ? 9 : 14;
        g.appendChild(s("rect", { x: cx - hw, y: axisY - 10, width: hw * 2, height: 20, "class": "hit" }));
      }
      g.addEventListener("click", function () { showEvent(ev, g); });
      g.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); showEvent(ev, g); } });
      svg.appendChild(g);
      axisY = axisY0;
    });
    L.brackets.forEach(function (b) {
      var y = axisY + 22 + b.row * 15;
      svg.appendChild(s("path", { d: "M" + b.x1 + " " + (y - 4) + "V" + y + "H" + b.x2 + "V" + (y - 4), fill: "none", stroke: "#666", "stroke-width": 1 }));
      svg.appendChild(s("text", { x: b.x1 + 3, y: y + 9, "class": "axis-label" }, b.text,
        s("title", null, b.to.label + ": " + b.text + " (counted from: " + b.from.label + ")")));
    });
    return svg;
  }

  function renderPager(total) {
    var pager = clear(byId("pager"));
    var pages = Math.max(1, Math.ceil(total / state.pageSize));
    if (state.page >= pages) state.page = pages - 1;
    var prev = h("button", { type: "button", id: "page-prev" }, "\u2190 Previous");
    var next = h("button", { type: "button", id: "page-next" }, "Next \u2192");
    prev.disabled = state.page === 0; next.disabled = state.page >= pages - 1;
    prev.addEventListener("click", function () { state.page--; renderTimelines(); });
    next.addEventListener("click", function () { state.page++; renderTimelines(); });
    var size = h("select", { id: "page-size", "aria-label": "Patients per page" });
    [10, 20, 50, 100].forEach(function (n) { var o = h("option", { value: n }, n + " per page"); if (n === state.pageSize) o.selected = true; size.appendChild(o); });
    size.addEventListener("change", function (e) { state.pageSize = Number(e.target.value); state.page = 0; renderTimelines(); });
    var from = total ? state.page * state.pageSize + 1 : 0, to = Math.min(total, (state.page + 1) * state.pageSize);
    append(pager, [prev, h("span", { id: "page-status" }, "Patients " + fmt(from) + "\u2013" + fmt(to) + " of " + fmt(total) + " (page " + (state.page + 1) + " of " + pages + ")"), next, size]);
  }

  function renderTimelines() {
    var list = visiblePatients();
    renderPager(list.length);
    var page = list.slice(state.page * state.pageSize, (state.page + 1) * state.pageSize);
    var lanes = clear(byId("lanes"));
    page.forEach(function (p) { lanes.appendChild(renderLane(p)); });
    if (!page.length) lanes.appendChild(h("p", { "class": "explain" }, "No patient matches the filters."));
    var rows = [];
    page.forEach(function (p) {
      p.events.forEach(function (ev) {
        var det = eventFacts(ev).filter(function (f) { return ["Patient", "Event", "Timeline position", "Time"].indexOf(f[0]) < 0; })
          .map(function (f) { return f[0] + ": " + f[1]; }).join("; ");
        rows.push({ patient: p.label, index: ev.index, kind: ev.kindLabel, label: ev.label, details: det,
                    time: ev.offsets.map(function (o) { return o.text; }).join("; "), source: Array.from(ev.sources)[0], iri: ev.iri });
      });
    });
    renderTable(byId("timeline-table"), [
      { key: "patient", label: "Patient" }, { key: "index", label: "Position", num: true }, { key: "kind", label: "Event" },
      { key: "label", label: "Label" }, { key: "details", label: "Details" }, { key: "time", label: "Time (source's words)" },
      { key: "source", label: "DOI", doi: true }, { key: "iri", label: "IRI", code: true }], rows);
    byId("filter-status").textContent = fmt(list.length) + " of " + fmt(patients.size) + " patients match the filters.";
  }

  // ---------------------------------------------------------------- tables
  var TABLE_CAP = 2000;
  function renderTable(container, cols, rows) {
    clear(container);
    var t = h("table");
    t.appendChild(h("thead", null, h("tr", null, cols.map(function (c) { return h("th", { scope: "col", "class": c.num ? "num" : null }, c.label); }))));
    var tb = h("tbody");
    rows.slice(0, TABLE_CAP).forEach(function (r) {
      tb.appendChild(h("tr", null, cols.map(function (c) {
        var v = r[c.key];
        if (c.doi && v) return h("td", null, doiLink(v));
        if (c.code && v) return h("td", null, h("code", null, v));
        return h("td", { "class": c.num ? "num" : null }, v === null || v === undefined ? "" : String(v));
      })));
    });
    t.appendChild(tb);
    container.appendChild(t);
    if (rows.length > TABLE_CAP) container.appendChild(h("p", { "class": "explain" }, "First " + fmt(TABLE_CAP) + " of " + fmt(rows.length) + " rows; the saved query gives them all."));
    if (!rows.length) container.appendChild(h("p", { "class": "explain" }, "No rows match the filters."));
  }

  function shade(n, max) {
    if (!n) return { bg: "#fff", ink: "#999" };
    var steps = ["#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];
    var i = Math.min(steps.length - 1, Math.floor((Math.log(n) / Math.log(Math.max(max, 2))) * (steps.length - 1)));
    return { bg: steps[i], ink: i >= 4 ? "#fff" : "#111" };
  }
  function renderMatrix(container, rowKeys, colKeys, cellOf, onCell, what) {
    clear(container);
    if (!rowKeys.length || !colKeys.length) { container.appendChild(h("p", { "class": "explain" }, "No rows match the filters.")); return; }
    var max = 0;
    rowKeys.forEach(function (r) { colKeys.forEach(function (c) { var v = cellOf(r.key, c.key); if (v && v.n > max) max = v.n; }); });
    var t = h("table");
    t.appendChild(h("thead", null, h("tr", null, h("th", { scope: "col" }, ""), colKeys.map(function (c) { return h("th", { scope: "col", "class": "col", title: c.key }, c.label); }))));
    var tb = h("tbody");
    rowKeys.forEach(function (r) {
      var tr = h("tr", null, h("th", { scope: "row", "class": "row", title: r.key }, r.label));
      colKeys.forEach(function (c) {
        var v = cellOf(r.key, c.key), n = v ? v.n : 0, sh = v && v.shade ? v.shade : shade(n, max);
        var td = h("td", { "class": "cell", style: "background:" + sh.bg + ";color:" + sh.ink, "data-row": r.key, "data-col": c.key,
                           title: r.label + " \u00d7 " + c.label + ": " + n + " " + what + (v && v.sources ? "\n" + Array.from(v.sources).map(function (x) { var m = sources.get(x); return m && m.doi ? "doi:" + m.doi : x; }).join("\n") : "") }, n ? String(n) : "\u00b7");
        if (n) {
          td.setAttribute("tabindex", "0"); td.setAttribute("role", "button");
          td.addEventListener("click", function () { onCell(r, c); });
          td.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); onCell(r, c); } });
        }
        tr.appendChild(td);
      });
      tb.appendChild(tr);
    });
    t.appendChild(tb);
    container.appendChild(t);
  }
  function aggregate(rows, rowKey, rowLabel, colKey, colLabel, count) {
    var cells = new Map(), rk = new Map(), ck = new Map();
    rows.forEach(function (r) {
      rk.set(r[rowKey], r[rowLabel] || local(r[rowKey])); ck.set(r[colKey], r[colLabel] || local(r[colKey]));
      var k = r[rowKey] + "\u0000" + r[colKey], c = cells.get(k);
      if (!c) { c = { n: 0, sources: new Set() }; cells.set(k, c); }
      c.n += Number(r[count]); c.sources.add(r.source);
    });
    var keys = function (m) { return sortedBy(Array.from(m.entries()).map(function (e) { return { key: e[0], label: e[1] }; }), function (x) { return x.label.toLowerCase(); }); };
    return { rows: keys(rk), cols: keys(ck), cell: function (r, c) { return cells.get(r + "\u0000" + c); } };
  }
  function findingItems(iris) {
    return Array.from(iris).map(function (iri) {
      var ev = events.get(iri);
      return { iri: iri, label: ev ? ev.label : iri, sub: ev ? ev.patient.label + ", position " + ev.index : null };
    });
  }

  // ------------------------------------------------------------ cohort views
  function tableMeta(key) { var t = D.tables[key]; return t ? t : { title: "", description: "", file: "" }; }
  function explain(id, key, extra) {
    var m = tableMeta(key);
    byId(id).textContent = (extra ? extra + " " : "") + m.description + " (Saved query: " + m.file + ".)";
  }
  function keyOf(prefix) {
    var keys = Object.keys(D.tables);
    for (var i = 0; i < keys.length; i++) if (keys[i].indexOf(prefix) === 0 && keys[i].indexOf("|") < 0) return keys[i];
    return null;
  }
  var CQ13 = keyOf("cq13"), CQ4 = keyOf("cq04"), CQ15 = keyOf("cq15");

  function renderSiteAgent() {
    var all = rowsOf(CQ13), rows = all.filter(rowMatches);
    var A = aggregate(rows, "site", "siteLabel", "agent", "agentLabel", "patients");
    var agentClass = all.length ? all[0].agentClass : null;
    var detailKey = null;
    (D.choices[keyOf("cq02")] || []).forEach(function (o) { if (o.term === agentClass) detailKey = o.table; });
    renderMatrix(byId("site-agent-matrix"), A.rows, A.cols, A.cell, function (r, c) {
      var found = new Set();
      rowsOf(detailKey).forEach(function (d) {
        if (d.site === r.key && d.agent === c.key && (!state.source || d.source === state.source)) found.add(d.finding);
      });
      showList(r.label + " after " + c.label, "EM findings of disease at this site after the agent (the rows of CQ2 for " + (all[0] ? all[0].agentClassLabel : "") + ").", findingItems(found));
    }, "patients");
    renderTable(byId("site-agent-table"), [
      { key: "siteLabel", label: "Site" }, { key: "agentLabel", label: "Prior agent" }, { key: "patients", label: "Patients", num: true },
      { key: "findings", label: "Findings", num: true }, { key: "source", label: "DOI", doi: true }], rows);
  }

  function renderMethodSite() {
    var rows = rowsOf(CQ4).filter(rowMatches);
    var A = aggregate(rows, "site", "siteLabel", "method", "methodLabel", "findings");
    renderMatrix(byId("method-site-matrix"), A.rows, A.cols, A.cell, function (r, c) {
      var found = new Set();
      events.forEach(function (ev) {
        if (ev.kind === "EMFinding" && ev.diseaseSeen && ev.sites.has(r.key) && ev.methods.has(c.key) &&
            (!state.source || ev.sources.has(state.source))) found.add(ev.iri);
      });
      showList(r.label + " by " + c.label, "EM findings of disease at this site detected by this method.", findingItems(found));
    }, "findings");
    renderTable(byId("method-site-table"), [
      { key: "siteLabel", label: "Site" }, { key: "methodLabel", label: "Method" }, { key: "findings", label: "Findings", num: true },
      { key: "patients", label: "Patients", num: true }, { key: "source", label: "DOI", doi: true }], rows);
  }

  function fillAfterTherapy() {
    var q = byId("after-question");
    Object.keys(D.choices).sort().forEach(function (qid) {
      q.appendChild(h("option", { value: qid }, qid.slice(0, 4).toUpperCase() + ": " + tableMeta(D.choices[qid][0] ? D.choices[qid][0].table : "").title));
    });
    var fillTherapies = function () {
      var sel = clear(byId("after-therapy-choice"));
      (D.choices[q.value] || []).forEach(function (o) { sel.appendChild(h("option", { value: o.table }, o.label)); });
    };
    q.addEventListener("change", function () { fillTherapies(); renderAfterTherapy(); });
    byId("after-therapy-choice").addEventListener("change", renderAfterTherapy);
    fillTherapies();
  }
  function renderAfterTherapy() {
    var key = byId("after-therapy-choice").value;
    if (!key) return;
    explain("after-therapy-explain", key);
    var rows = rowsOf(key).filter(rowMatches);
    var bySite = new Map();
    rows.forEach(function (r) {
      var e = bySite.get(r.site);
      if (!e) { e = { key: r.site, label: r.siteLabel || local(r.site), patients: new Set(), findings: new Set() }; bySite.set(r.site, e); }
      e.patients.add(r.patient); e.findings.add(r.finding);
    });
    var list = sortedBy(Array.from(bySite.values()), function (e) { return -e.patients.size * 1e6 + e.findings.size * -1; });
    var chart = clear(byId("after-therapy-chart"));
    if (!list.length) { chart.appendChild(h("p", { "class": "explain" }, "No EM finding of disease after this therapy matches the filters.")); }
    else {
      var max = Math.max.apply(null, list.map(function (e) { return e.patients.size; }));
      var rowH = 20, labelW = 220, barMax = 360, svg = s("svg", { width: labelW + barMax + 60, height: list.length * rowH + 8, role: "group", "aria-label": "Patients per EM site" });
      list.forEach(function (e, i) {
        var w = (e.patients.size / max) * barMax, y = i * rowH + 4;
        var g = s("g", { "class": "mark chart-bar", tabindex: 0, role: "button", "data-site": e.key, "aria-label": e.label + ": " + e.patients.size + " patients" },
          s("title", null, e.label + ": " + e.patients.size + " patients, " + e.findings.size + " findings"),
          s("text", { x: labelW - 6, y: y + 13, "text-anchor": "end", "class": "bar-label" }, truncate(e.label, 34)),
          s("rect", { x: labelW, y: y + 2, width: Math.max(w, 2), height: rowH - 6, fill: "#0072B2" }),
          s("text", { x: labelW + w + 4, y: y + 13, "class": "bar-label" }, e.patients.size + " pt / " + e.findings.size + " f"),
          s("rect", { x: 0, y: y, width: labelW + barMax + 60, height: rowH, "class": "hit" }));
        var open = function () { showList(e.label, "EM findings at this site after the therapy.", findingItems(e.findings)); };
        g.addEventListener("click", open);
        g.addEventListener("keydown", function (ev) { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); open(); } });
        svg.appendChild(g);
      });
      chart.appendChild(svg);
    }
    renderTable(byId("after-therapy-table"), [
      { key: "patientLabel", label: "Patient" }, { key: "siteLabel", label: "Site" }, { key: "methodLabel", label: "Method" },
      { key: "statusLabel", label: "Status" }, { key: "agentLabel", label: "Agent before" }, { key: "findingIndex", label: "Finding position", num: true },
      { key: "offsetText", label: "Time (source's words)" }, { key: "source", label: "DOI", doi: true }, { key: "finding", label: "Finding IRI", code: true }], rows);
  }

  function renderCompleteness() {
    var visible = new Set(visiblePatients().map(function (p) { return p.iri; }));
    var rows = rowsOf(CQ15).filter(function (r) { return (!patients.has(r.patient) || visible.has(r.patient)) && (!state.source || r.source === state.source); });
    var cells = new Map(), rk = new Map(), ck = new Map();
    rows.forEach(function (r) {
      rk.set(r.patient, r.patientLabel || local(r.patient)); ck.set(r.element, r.elementLabel || local(r.element));
      var k = r.patient + "\u0000" + r.element, c = cells.get(k);
      if (!c) { c = { n: 0, nodes: new Map(), sources: new Set() }; cells.set(k, c); }
      if (!c.nodes.has(r.node)) { c.nodes.set(r.node, r); c.n++; }
      c.sources.add(r.source);
      if (r.how && r.how.indexOf("not reported") < 0) c.missing = true;
    });
    // every case drawn is a row, also one that lacks nothing; a cell whose nodes the source
    // states as not reported is grey, one with an element not in the graph is blue
    visiblePatients().forEach(function (p) { if (!rk.has(p.iri)) rk.set(p.iri, p.label); });
    cells.forEach(function (c) { if (!c.missing) c.shade = { bg: "#e0e0e0", ink: "#111" }; });
    var keys = function (m) { return sortedBy(Array.from(m.entries()).map(function (e) { return { key: e[0], label: e[1] }; }), function (x) { return x.label.toLowerCase(); }); };
    renderMatrix(byId("completeness-matrix"), keys(rk), keys(ck), function (r, c) { return cells.get(r + "\u0000" + c); }, function (r, c) {
      var cell = cells.get(r.key + "\u0000" + c.key);
      var items = Array.from(cell.nodes.values()).map(function (n) { return { iri: n.node, label: n.nodeLabel || local(n.node), sub: n.how }; });
      showList(r.label + ": " + c.label, "Nodes that lack this recommended element, and whether the source states it is not reported.", items);
    }, "nodes lacking it");
    renderTable(byId("completeness-table"), [
      { key: "patientLabel", label: "Patient" }, { key: "elementLabel", label: "Element lacking" }, { key: "nodeLabel", label: "Node" },
      { key: "how", label: "How" }, { key: "source", label: "DOI", doi: true }, { key: "node", label: "Node IRI", code: true }], rows);
  }

  // ---------------------------------------------------------------- legend
  function legendSwatch(glyph) { var svg = s("svg", { width: 24, height: 20, "aria-hidden": "true" }); append(svg, glyph); return svg; }
  function renderLegend() {
    var leg = clear(byId("legend"));
    var g1 = h("div", { "class": "group" }, h("strong", null, "Therapy lines (bars, by class):"));
    sortedBy(Array.from(therapyClasses.values()), function (c) { return c.rank; }).concat([OTHER_THERAPY]).forEach(function (c) {
      g1.appendChild(h("span", { "class": "item" }, legendSwatch(s("rect", { x: 2, y: 4, width: 20, height: 12, fill: c.colour, stroke: "#222" })), " " + c.label));
    });
    var g2 = h("div", { "class": "group" }, h("strong", null, "EM findings (colour = site group):"));
    sortedBy(Array.from(siteGroups.values()), function (g) { return g.rank; }).concat([OTHER_SITE]).forEach(function (g) {
      g2.appendChild(h("span", { "class": "item" }, legendSwatch(s("circle", { cx: 12, cy: 10, r: 6.5, fill: g.colour, stroke: "#222" })), " " + g.label));
    });
    var g3 = h("div", { "class": "group" }, h("strong", null, "Shape = method:"));
    sortedBy(Array.from(methodGroups.values()), function (g) { return g.rank; }).forEach(function (g) {
      var glyph = shapePath(g.shape, 12, 10, 6); glyph.setAttribute("fill", "#777"); glyph.setAttribute("stroke", "#222");
      g3.appendChild(h("span", { "class": "item" }, legendSwatch(glyph), " " + g.label));
    });
    var none = shapePath("cross", 12, 10, 5); none.setAttribute("stroke", "#777"); none.setAttribute("stroke-width", 3);
    g3.appendChild(h("span", { "class": "item" }, legendSwatch(none), " method not stated"));
    var g4 = h("div", { "class": "group" }, h("strong", null, "Status:"));
    // the statuses of disease seen, as the view flags them (emkg:DiseaseSeenStatus), named from the data
    var seenLabels = new Map();
    events.forEach(function (ev) { if (ev.diseaseSeen) { var st = statusOf(ev); if (st.key) seenLabels.set(st.key, st.label); } });
    var seenText = "disease seen" + (seenLabels.size ? " (" + Array.from(seenLabels.values()).sort().join(", ") + ")" : "");
    [["filled", seenText, { fill: "#777", stroke: "#222" }],
     ["open", "absent when looked for", { fill: "#fff", stroke: "#777", "stroke-width": 2.2 }],
     ["slash", "resolved", { fill: "#fff", stroke: "#777", "stroke-width": 2.2 }],
     ["dash", "pseudoprogression", { fill: "#777", "fill-opacity": 0.35, stroke: "#222", "stroke-dasharray": "2 2" }]].forEach(function (st) {
      var c = s("circle", { cx: 12, cy: 10, r: 6.5 });
      for (var k in st[2]) c.setAttribute(k, st[2][k]);
      var parts = [c];
      if (st[0] === "slash") parts.push(s("line", { x1: 5, y1: 17, x2: 19, y2: 3, stroke: "#222", "stroke-width": 1.5 }));
      g4.appendChild(h("span", { "class": "item" }, legendSwatch(parts), " " + st[1]));
    });
    var g5 = h("div", { "class": "group" }, h("strong", null, "Other events:"));
    [["Diagnosis", "diagnosis"], ["DiseaseAssessment", "marrow assessment (MRD / blasts)"], ["Response", "response"], ["Relapse", "relapse"],
     ["Toxicity", "toxicity (G = grade)"], ["Death", "death"], ["FollowUp", "last follow-up"]].forEach(function (b) {
      g5.appendChild(h("span", { "class": "item" }, legendSwatch(badgeGlyph({ kind: b[0], measurements: new Map(), grade: null }, 12, 10)), " " + b[1]));
    });
    var g6 = h("div", { "class": "group" }, h("strong", null, "Axis:"),
      h("span", { "class": "item" }, legendSwatch(s("line", { x1: 1, y1: 10, x2: 23, y2: 10, "class": "axis-time" })), " time the source gives, to scale (" + PX_PER_DAY + " px a day)"),
      h("span", { "class": "item" }, legendSwatch([s("line", { x1: 1, y1: 10, x2: 8, y2: 10, "class": "axis-time" }), s("line", { x1: 16, y1: 10, x2: 23, y2: 10, "class": "axis-time" }), s("path", { d: "M6 15l5 -10M12 15l5 -10", "class": "break-mark" })]), " longer than " + Math.round(TIME_CAP / PX_PER_DAY) + " days, cut (duration written under it)"),
      h("span", { "class": "item" }, legendSwatch(s("line", { x1: 1, y1: 10, x2: 23, y2: 10, "class": "axis-order" })), " order only: the source gives no time between these events"),
      h("span", { "class": "item" }, legendSwatch(s("path", { d: "M2 6V14M2 10H22M22 6V14", fill: "none", stroke: "#555", "stroke-width": 1.2, "stroke-dasharray": "3 2" })), " placed only within a period (during, not before, after, before another event): the mark stands over the span the source allows, above the lane"));
    append(leg, [g1, g2, g3, g4, g5, g6]);
    byId("timeline-explain").textContent = "One lane per patient, events in the order the source establishes (its sequence index). " +
      "Bars are therapy lines, coloured by the class of their agents and labelled by intent; their width is not their duration. " +
      "A solid axis segment is time the source states (its offsets), dotted segments mean only the order is known, and brackets under a lane repeat each offset in the source's words, from the event it counts from. " +
      "Select a mark (or press Enter on it) to see its quote, DOI and IRI. Saved queries: " +
      ["timeline-events", "therapy-lines", "therapy-classes", "site-groups", "method-groups", "time-offsets", "placements", "evidence"]
        .filter(function (k) { return D.tables[k]; }).map(function (k) { return tableMeta(k).file; }).join(", ") + ".";
  }

  function renderAll() {
    renderTimelines();
    renderSiteAgent();
    renderMethodSite();
    renderAfterTherapy();
    renderCompleteness();
  }

  fillFilters();
  fillAfterTherapy();
  renderLegend();
  explain("site-agent-explain", CQ13, "Cells count patients (sum over publications); select a cell for the findings behind it.");
  explain("method-site-explain", CQ4, "Cells count findings; select a cell for the findings and their quotes.");
  explain("completeness-explain", CQ15, "Cells count the nodes lacking an element: blue where the graph lacks it, grey where the source states it is not reported; a case that lacks nothing has an empty row. Select a cell for the nodes.");
  renderAll();
  byId("origin").textContent = "emkg " + D.emkgVersion + "; data: " + D.origin + "; " + fmt(patients.size) + " patients, " + fmt(events.size) + " events drawn.";
  var took = performance.now() - started;
  document.body.setAttribute("data-render-ms", took.toFixed(0));
  document.body.setAttribute("data-ready", "true");
  window.emkgReport = { renderMs: took, patients: patients.size, events: events.size, state: state };
})();
