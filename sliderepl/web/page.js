// A deck in the browser: draws what sliderepl.web.session hands back.
// Python (Pyodide) parses and runs the deck; this script only sends keys
// and typed code to it and turns its event dicts into DOM nodes (text
// nodes only: nothing a slide or a database produces becomes HTML).
// Every file comes from this site's own folder: no CDN, no other origin.
import { loadPyodide } from "../pyodide/pyodide.mjs";

const root = document.documentElement;
const config = JSON.parse(document.getElementById("deck").textContent);
const storeKey = "sliderepl:" + config.name;
const $ = (id) => document.getElementById(id);
// what tests and the benchmark read (window.sliderepl)
const state = {
  ready: false, busy: true, position: 0, total: 0, unsupported: {},
  failures: [], solved: [], errors: [], timings: {},
};
window.sliderepl = state;
let session = null;

// -- themes and storage ------------------------------------------------

function setTheme(name) {
  root.dataset.theme = name;
  $("theme").value = name;
  try { localStorage.setItem("sliderepl:theme", name); } catch (e) { /* private mode */ }
}

function loadProgress() {
  try { return JSON.parse(localStorage.getItem(storeKey)) || {}; } catch (e) { return {}; }
}

function saveProgress() {
  const old = loadProgress();
  const data = {
    position: state.position,
    furthest: Math.max(old.furthest || 0, state.position),
    total: state.total,
    solved: state.solved,
    exercises: state.exercises || 0,
  };
  try { localStorage.setItem(storeKey, JSON.stringify(data)); } catch (e) { /* full */ }
  return data;
}

// -- drawing -------------------------------------------------------------

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function spans(parent, list) {
  for (const [kind, text] of list) {
    parent.appendChild(kind === "code" ? el("code", null, text)
      : kind === "bold" ? el("strong", null, text) : document.createTextNode(text));
  }
  return parent;
}

function table(rows) {
  const wrap = el("div", "rows");
  const t = el("table");
  const head = el("tr");
  rows.columns.forEach((c) => head.appendChild(el("th", null, c)));
  t.appendChild(el("thead")).appendChild(head);
  const body = t.appendChild(el("tbody"));
  rows.rows.forEach((r) => {
    const tr = body.appendChild(el("tr"));
    r.forEach((c) => tr.appendChild(el("td", null, c)));
  });
  wrap.appendChild(t);
  if (rows.footer) wrap.appendChild(el("p", "notice", rows.footer));
  return wrap;
}

function drawSlide(e) {
  const slide = $("slide");
  slide.replaceChildren();
  $("log").replaceChildren();
  const h = el("h2");
  h.appendChild(el("span", "n", `${e.number} / ${e.total}`));
  spans(h, e.title.length ? e.title : [["text", `Slide ${e.number}`]]);
  slide.appendChild(h);
  // the deck's lines are wrapped for a terminal: a paragraph per run of
  // lines (an empty line ends one), wrapped by the browser
  let para = null;
  e.intro.forEach((line) => {
    if (!line.length) { para = null; return; }
    if (para) para.appendChild(document.createTextNode(" "));
    else para = slide.appendChild(el("p", "intro"));
    spans(para, line);
  });
  if (e.bullets.length) {
    const ul = slide.appendChild(el("ul"));
    e.bullets.forEach(([depth, text]) => {
      const li = spans(el("li"), text);
      li.style.marginLeft = `${(depth - 1) * 1.5}rem`;
      ul.appendChild(li);
    });
  }
  if (e.exercise) {
    const box = slide.appendChild(el("div", "exercise"));
    const title = box.appendChild(el("h3", null, e.exercise.solved ? "Exercise (solved)" : "Exercise"));
    title.id = "exercise-title";
    spans(box.appendChild(el("p")), e.exercise.task);
    const extra = [];
    if (e.exercise.hints) extra.push(`!hint (${e.exercise.hints})`);
    if (e.exercise.check) extra.push("!check");
    if (e.exercise.solution) extra.push("!solution");
    if (extra.length) box.appendChild(el("p", "notice", "type your answer below; " + extra.join(", ")));
  }
  state.position = e.number;
  state.total = e.total;
  $("where").textContent = `${e.number} / ${e.total}`;
  window.scrollTo(0, 0);
}

function outputPre(cls, text) {
  return el("pre", cls, text.replace(/\n$/, ""));
}

// print() arrives in pieces ("a", " ", "b", "\n"): one <pre> per run of
// the same stream (or of SQL), as a terminal would show it
function stream(parent, cls, text) {
  const last = parent.lastElementChild;
  if (last && last.tagName === "PRE" && last.className === cls && last.raw !== undefined) {
    last.raw += text;
    last.textContent = last.raw.replace(/\n$/, "");
    return;
  }
  const pre = parent.appendChild(outputPre(cls, text));
  pre.raw = text;
}

function draw(events, typed) {
  const log = $("log");
  let cell = null;
  const into = () => {
    if (!cell) cell = log.appendChild(el("div", "cell"));
    return cell;
  };
  for (const e of events) {
    switch (e.kind) {
      case "slide": drawSlide(e); cell = null; break;
      case "block": {
        cell = log.appendChild(el("div", "cell"));
        const code = cell.appendChild(el("pre", "code"));
        code.textContent = e.code.replace(/\n$/, "");
        break;
      }
      case "output": stream(into(), e.stream === "stderr" ? "out stderr" : "out", e.text); break;
      case "sql":
        if (!$("echo").checked) break;
        stream(into(), "sql", e.text.replace(/\n?$/, "\n")); break;
      case "value":
        if (e.rows) into().appendChild(table(e.rows));
        else into().appendChild(outputPre("out value", e.text));
        if (e.hint) into().appendChild(el("p", "notice", e.hint));
        break;
      case "error": {
        const box = into().appendChild(el("div", "error"));
        if (e.traceback) box.appendChild(outputPre("tb", e.traceback));
        else {
          box.appendChild(outputPre("summary", e.summary));
          if (e.where) box.appendChild(el("p", "where", e.where));
        }
        if (!e.expected && !typed) state.errors.push(e.summary);
        break;
      }
      case "unsupported": into().appendChild(el("p", "unsupported", e.text)); break;
      case "notice": into().appendChild(el("p", e.failed ? "notice failed" : "notice", e.text)); break;
      case "result": {
        const box = into().appendChild(el("div", e.ok ? "result ok" : "result"));
        box.appendChild(el("p", null, e.text));
        if (e.code) box.appendChild(outputPre("code", e.code));
        break;
      }
      default: break;
    }
  }
}

function drawToc(info) {
  const list = $("toc-list");
  list.replaceChildren();
  info.toc.forEach(([n, title, exercise]) => {
    const li = list.appendChild(el("li"));
    const a = li.appendChild(el("a", null, title || `slide ${n}`));
    a.href = `#${n}`;
    a.addEventListener("click", (ev) => { ev.preventDefault(); $("toc").hidden = true; act("goto", n); });
    if (exercise) li.appendChild(el("span", "ex", " (exercise)"));
  });
}

function refresh() {
  const s = JSON.parse(session.call("summary"));
  state.unsupported = s.unsupported;
  state.failures = s.failures;
  state.solved = s.solved;
  state.exercises = s.exercises;
  state.position = s.position;
  state.total = s.total;
  const saved = saveProgress();
  state.furthest = saved.furthest;
  const skipped = Object.keys(s.unsupported).length;
  $("progress").textContent = `furthest ${saved.furthest} / ${s.total}` +
    (s.exercises ? ` · exercises solved ${s.solved.length} / ${s.exercises}` : "");
  const closing = $("closing");
  if (s.position === s.total) {
    const why = Object.entries(s.unsupported).map(([n, what]) => `slide ${n}: ${what}`).join("; ");
    closing.textContent = "End of the deck." + (skipped
      ? ` ${skipped} slide${skipped > 1 ? "s" : ""} can't run in the browser (${why}).` : "");
    closing.hidden = false;
  } else closing.hidden = true;
}

// -- acting --------------------------------------------------------------

function act(name, ...args) {
  if (!session || state.busy) return false;
  state.busy = true;
  $("status").textContent = "running…";
  // let the browser draw "running…" before Python holds the page
  setTimeout(() => {
    try {
      const events = JSON.parse(session.call(name, ...args));
      draw(events, name === "run");
      if (name === "check" && events.some((e) => e.solved)) {
        const title = $("exercise-title");
        if (title) title.textContent = "Exercise (solved)";
      }
      refresh();
      $("status").textContent = "";
    } catch (err) {
      state.errors.push(String(err));
      $("status").textContent = "error: " + err;
    } finally {
      state.busy = false;
    }
  }, 0);
  return true;
}

const COMMANDS = {
  next: () => act("next"), n: () => act("next"),
  prev: () => act("prev"), back: () => act("prev"), p: () => act("prev"),
  goto: (n) => act("goto", parseInt(n, 10) || 0), g: (n) => act("goto", parseInt(n, 10) || 0),
  toc: () => { $("toc").hidden = !$("toc").hidden; },
  hint: () => act("hint"), check: () => act("check"), solution: () => act("solution"),
  help: () => { $("help").hidden = !$("help").hidden; },
  theme: (name) => setTheme(name || "light"),
};

function runCell() {
  const area = $("cell");
  const text = area.value;
  if (!text.trim()) return;
  const line = text.trim();
  if (line.startsWith("!") && !line.includes("\n")) {
    const [word, arg] = line.slice(1).split(/\s+/, 2);
    const command = COMMANDS[word];
    if (!command) {
      draw([{ kind: "notice", text: `no command !${word} (!help lists them)`, failed: true }]);
      return;
    }
    command(arg);
    area.value = "";
    return;
  }
  if (act("run", text)) area.value = "";
}

document.addEventListener("keydown", (ev) => {
  const inCell = ev.target === $("cell");
  if (inCell) {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.shiftKey || ev.metaKey)) {
      ev.preventDefault();
      runCell();
    } else if (ev.key === "Escape") {
      $("cell").blur();
    }
    return;
  }
  if (ev.target.tagName === "SELECT" || ev.target.tagName === "INPUT" || ev.altKey || ev.ctrlKey || ev.metaKey) return;
  if (ev.key === "Enter" || ev.key === "PageDown") { ev.preventDefault(); act("next"); }
  else if (ev.key === "PageUp") { ev.preventDefault(); act("prev"); }
  else if (ev.key === "/" || ev.key === "i") { ev.preventDefault(); $("cell").focus(); }
  else if (ev.key === "t") { COMMANDS.toc(); }
  else if (ev.key === "?") { COMMANDS.help(); }
});

// -- starting ------------------------------------------------------------

async function start() {
  const t0 = performance.now();
  const pyodide = await loadPyodide({ indexURL: new URL("../pyodide/", import.meta.url).href });
  state.timings.runtime = performance.now() - t0;
  const site = pyodide.runPython("import site; site.getsitepackages()[0]");
  await Promise.all(config.wheels.map(async (name) => {
    const response = await fetch(new URL(`../wheels/${name}`, import.meta.url));
    if (!response.ok) throw new Error(`${name}: ${response.status}`);
    pyodide.unpackArchive(await response.arrayBuffer(), "wheel", { extractDir: site });
  }));
  state.timings.wheels = performance.now() - t0;
  const Session = pyodide.pyimport("sliderepl.web.session").PageSession;
  session = Session(`${site}/${config.deck}`);
  const info = JSON.parse(session.call("info"));
  drawToc(info);
  state.toc = info.toc;
  const saved = loadProgress();
  if (saved.solved && saved.solved.length) session.restore(pyodide.toPy(saved.solved));
  state.busy = false;
  const at = Math.min(Math.max(saved.position || 1, 1), info.total);
  act("goto", at);
  await new Promise((resolve) => {
    const wait = () => (state.busy ? setTimeout(wait, 5) : resolve());
    wait();
  });
  state.timings.firstSlide = performance.now() - t0;
  $("cell").disabled = false;
  state.ready = true;
}

setTheme(localStorage.getItem("sliderepl:theme") ||
  (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light"));
$("theme").addEventListener("change", (ev) => setTheme(ev.target.value));
$("run").addEventListener("click", runCell);
start().catch((err) => {
  state.errors.push(String(err));
  $("status").textContent = "can't start: " + err;
});
