// voiceguide studio: the library, the editor (form and YAML in step), the live preview, and
// render / play / customize / share. Talks only to its own server (see app.py for the checks).
import { Form, el, pathKey } from "./form.js";

const TOKEN = document.querySelector('meta[name="studio-token"]').content;
const $ = (selector, root = document) => root.querySelector(selector);

async function api(path, body) {
  const options = body === undefined ? { headers: { "X-Studio-Token": TOKEN } } : {
    method: "POST", body: JSON.stringify(body),
    headers: { "Content-Type": "application/json", "X-Studio-Token": TOKEN },
  };
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) {
    const error = new Error(data.error || `HTTP ${response.status}`);
    Object.assign(error, data, { status: response.status });
    throw error;
  }
  return data;
}

export function clock(seconds) {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h ? `${h}:${String(m).padStart(2, "0")}:${String(r).padStart(2, "0")}` : `${m}:${String(r).padStart(2, "0")}`;
}

function notice(text, kind = "info", actions = []) {
  const box = $("#notice");
  box.replaceChildren(el("span", { text }), ...actions.map(([labelText, action]) =>
    el("button", { type: "button", text: labelText, onclick: action })));
  box.className = `notice ${kind}`;
  box.hidden = false;
}

function clearNotice() { $("#notice").hidden = true; }

// --- the library -----------------------------------------------------------------------------

async function showLibrary() {
  $("#editor").hidden = true;
  $("#library").hidden = false;
  document.title = "voiceguide studio";
  const { folder, routines } = await api("/api/library");
  $("#folder").textContent = folder;
  const mine = $("#routines"), templates = $("#templates");
  mine.replaceChildren();
  templates.replaceChildren();
  for (const entry of routines) {
    const length = el("span", { class: "length", text: entry.duration != null ? clock(entry.duration) : entry.error ? "" : "…" });
    const facts = el("div", { class: "facts" },
      entry.error ? el("span", { class: "bad", text: entry.error }) :
        el("span", { text: `${entry.kind} · ${entry.exercises} exercise${entry.exercises === 1 ? "" : "s"} · ` }),
      entry.error ? null : length);
    const card = el("li", { class: "card", "data-name": entry.name },
      el("div", { class: "card-title", text: entry.title }),
      el("div", { class: "file", text: entry.source === "folder" ? entry.name : `template: ${entry.name}` }),
      facts);
    const buttons = el("div", { class: "buttons" });
    if (entry.source === "folder") {
      buttons.append(
        el("a", { class: "button primary", href: `#/edit/${encodeURIComponent(entry.name)}`, text: "Open" }),
        el("button", { type: "button", text: "Duplicate", onclick: async () => {
          const { name } = await api("/api/duplicate", { name: entry.name });
          notice(`Duplicated as ${name}`);
          showLibrary();
        } }),
        el("button", { type: "button", class: "danger", text: "Delete", onclick: async () => {
          if (!window.confirm(`Move ${entry.name} to the trash (${folder}/.trash)?`)) return;
          const { trashed } = await api("/api/trash", { name: entry.name });
          notice(`Moved to ${trashed}`);
          showLibrary();
        } }));
      mine.append(card);
    } else {
      buttons.append(el("button", { type: "button", class: "primary", text: "New from this template", onclick: async () => {
        const { name } = await api("/api/new", { template: entry.name });
        location.hash = `#/edit/${encodeURIComponent(name)}`;
      } }));
      templates.append(card);
    }
    card.append(buttons);
    if (entry.duration == null && !entry.error) {
      api("/api/length", { name: entry.name, source: entry.source })
        .then((r) => { length.textContent = clock(r.duration); })
        .catch(() => { length.textContent = "?"; });
    }
  }
  if (!mine.children.length) mine.append(el("li", { class: "empty", text: "No routines in this folder yet: start one below." }));
}

$("#new-scratch").addEventListener("submit", async (event) => {
  event.preventDefault();
  const title = $("#new-title").value.trim() || "New routine";
  try {
    const { name } = await api("/api/new", { title });
    location.hash = `#/edit/${encodeURIComponent(name)}`;
  } catch (error) { notice(error.message, "error"); }
});

// --- the editor ------------------------------------------------------------------------------

const state = {
  name: null, text: "", baseHash: null, diskText: "", data: null, schema: null, form: null,
  issues: [], preview: null, exercises: [], choices: { level: "standard", reps: {}, sets: {}, holds: {}, rest: null, skip: [] },
  seq: 0, timer: null, dirty: false, lastEdit: 0, timings: [],
};

function draftKey() { return `voiceguide-studio:${$("#folder").textContent}:${state.name}`; }

function storeDraft() {
  if (state.text !== state.diskText) {
    localStorage.setItem(draftKey(), JSON.stringify({ text: state.text, base: state.baseHash, at: Date.now() }));
  } else {
    localStorage.removeItem(draftKey());
  }
}

function setDirty() {
  state.dirty = state.text !== state.diskText;
  $("#status").textContent = state.dirty ? "Unsaved changes" : "Saved";
  $("#status").className = state.dirty ? "status dirty" : "status";
  storeDraft();
}

async function openEditor(name) {
  $("#library").hidden = true;
  $("#editor").hidden = false;
  clearNotice();
  if (!state.schema) state.schema = await api("/api/schema");
  if (!$("#folder").textContent) $("#folder").textContent = (await api("/api/library")).folder;
  const routine = await api(`/api/routine?name=${encodeURIComponent(name)}`);
  Object.assign(state, { name, text: routine.text, diskText: routine.text, baseHash: routine.hash, preview: null,
    choices: { level: "standard", reps: {}, sets: {}, holds: {}, rest: null, skip: [] } });
  $("#file-name").textContent = name;
  document.title = `${name} · voiceguide studio`;
  $("#player-box").hidden = true;
  $("#render-result").replaceChildren();
  const draft = JSON.parse(localStorage.getItem(draftKey()) || "null");
  if (draft && draft.text !== routine.text) {
    state.text = draft.text;
    if (draft.base !== routine.hash) {
      notice("Your unsaved edits are restored, but the file changed on disk since; saving will ask.", "warning",
        [["Discard my edits", () => discardDraft(routine)]]);
    } else {
      notice("Your unsaved edits are restored.", "info", [["Discard them", () => discardDraft(routine)]]);
    }
  }
  state.form = new Form($("#form"), state.schema, (data, structural) => formChanged(data, structural));
  $("#yaml").value = state.text;
  setDirty();
  await check({ text: state.text }, true);
}

function discardDraft(routine) {
  localStorage.removeItem(draftKey());
  state.text = routine.text;
  $("#yaml").value = state.text;
  clearNotice();
  setDirty();
  check({ text: state.text }, true);
}

function formChanged(data, structural) {
  state.data = data;
  state.lastEdit = performance.now();
  schedule({ text: state.text, data }, structural ? 0 : 200, false);
}

$("#yaml").addEventListener("input", () => {
  state.text = $("#yaml").value;
  state.lastEdit = performance.now();
  setDirty();
  schedule({ text: state.text }, 300, true);
});

function schedule(request, delay, redraw) {
  clearTimeout(state.timer);
  state.timer = setTimeout(() => check(request, redraw), delay);
}

async function check(request, redraw, wait) {
  const seq = ++state.seq;
  const started = state.lastEdit || performance.now();
  $("#preview-state").textContent = "updating…";
  let result;
  try {
    result = await api("/api/check", { name: state.name, choices: state.choices, wait, ...request });
  } catch (error) {
    if (seq === state.seq) notice(error.message, "error");
    return;
  }
  if (seq !== state.seq) return;  // a newer edit is on its way
  if (request.data !== undefined) {
    state.text = result.text;
    if (document.activeElement !== $("#yaml")) $("#yaml").value = state.text;
    setDirty();
  }
  if (redraw || request.data === undefined) {
    state.data = result.data;
    if (result.data !== null) state.form.render(structuredClone(result.data));
  }
  if (request.data === undefined) $("#form").classList.toggle("unreadable", result.data === null);
  state.issues = result.issues;
  state.exercises = result.exercises || state.exercises;
  showIssues(result.issues);
  showPreview(result.preview);
  if (result.preview) {
    // how long after the edit its preview is shown (estimated while phrases are spoken, then
    // exact): scripts/studio_bench.py reads these
    const ms = performance.now() - started;
    state.timings.push({ ms, pending: result.preview.pending, edit: started });
  }
  document.body.dataset.checked = String(seq);
  if (result.preview && result.preview.pending > 0) {
    setTimeout(() => { if (seq === state.seq) check({ text: state.text }, false, 5); }, 500);
  }
}

function showIssues(issues) {
  const unplaced = state.form.showIssues(issues);
  const list = $("#issues");
  list.replaceChildren(...issues.map((issue) => el("li", { class: issue.level },
    issue.line ? el("span", { class: "line", text: `line ${issue.line}: ` }) : null,
    el("span", { text: issue.problem }),
    issue.hint ? el("span", { class: "hint", text: ` Fix: ${issue.hint}` }) : null)));
  $("#general-issues").replaceChildren(...unplaced.map((issue) => el("div", { class: `issue ${issue.level}`, role: "alert" },
    el("strong", { text: issue.problem }), issue.hint ? el("span", { text: ` Fix: ${issue.hint}` }) : null)));
  const errors = issues.filter((i) => i.level === "error").length;
  $("#validity").textContent = errors ? `${errors} error${errors > 1 ? "s" : ""}` : "valid";
  $("#validity").className = errors ? "badge bad" : "badge good";
}

function showPreview(preview) {
  const box = $("#timeline");
  const panel = $(".panel.preview");
  if (!preview) {
    // keep the last valid preview, greyed, until the errors are fixed
    panel.classList.toggle("stale", Boolean(state.preview));
    $("#preview-state").textContent = state.preview
      ? "fix the errors to update it (this is the last valid version)" : "fix the errors to see the length";
    if (!state.preview) {
      $("#total").textContent = "–";
      box.replaceChildren();
      $("#script").replaceChildren();
    }
    return;
  }
  panel.classList.remove("stale");
  state.preview = preview;
  $("#total").textContent = clock(preview.duration);
  $("#total").dataset.seconds = String(preview.duration);
  $("#preview-state").textContent = preview.pending ? `estimating ${preview.pending} new phrase${preview.pending > 1 ? "s" : ""}…` : "";
  box.replaceChildren(...preview.chapters.map((c) => {
    const bar = el("span", { class: c.exercise ? "bar exercise" : "bar" });
    bar.style.width = `${Math.max(1, (100 * (c.end - c.start)) / Math.max(preview.duration, 1))}%`;
    return el("li", { "data-exercise": c.exercise || "" },
      el("span", { class: "when", text: clock(c.start) }),
      el("span", { class: "what", text: c.title }),
      el("span", { class: "len", text: clock(c.end - c.start) }), bar);
  }));
  // beside each item of the form that holds exercises (an exercise, a block, a section): the
  // time its exercises take, every round included
  for (const node of document.querySelectorAll("[data-length]")) {
    let item = state.data;
    for (const key of node.dataset.length.split(".")) item = item == null ? undefined : item[/^\d+$/.test(key) ? Number(key) : key];
    const ids = new Set(idsIn(item));
    const seconds = preview.chapters.filter((c) => ids.has(c.exercise)).reduce((sum, c) => sum + c.end - c.start, 0);
    node.textContent = ids.size && seconds ? clock(seconds) : "";
  }
  $("#script").replaceChildren(...preview.segments.slice(0, 400).map((s) =>
    el("li", {}, el("span", { class: "when", text: clock(s.start) }), el("span", { text: s.text }))));
  renderChoices();
}

function idsIn(node) {
  if (Array.isArray(node)) return node.flatMap(idsIn);
  if (node && typeof node === "object") {
    return [...(typeof node.id === "string" ? [node.id] : []), ...Object.values(node).flatMap(idsIn)];
  }
  return [];
}

// --- save ------------------------------------------------------------------------------------

async function save(force = false, diskHash = null) {
  try {
    const result = await api("/api/save", { name: state.name, text: state.text, base_hash: force ? diskHash : state.baseHash });
    state.baseHash = result.hash;
    state.diskText = state.text;
    setDirty();
    notice("Saved.");
    return true;
  } catch (error) {
    if (error.conflict) {
      notice(`${error.message.split("\n")[0]}.`, "error", [
        ["Load the disk version", async () => {
          if (!window.confirm("Replace your edits with the version on disk?")) return;
          localStorage.removeItem(draftKey());
          openEditor(state.name);
        }],
        ["Keep mine (overwrite)", () => {
          if (window.confirm("Overwrite the version on disk with yours?")) save(true, error.disk_hash);
        }],
      ]);
    } else {
      notice(error.message, "error");
    }
    return false;
  }
}

$("#save").addEventListener("click", () => save());
document.addEventListener("keydown", (event) => {
  if ((event.ctrlKey || event.metaKey) && event.key === "s" && !$("#editor").hidden) {
    event.preventDefault();
    save();
  }
});

// the file changed on disk while open: reload it if there are no edits, warn if there are
setInterval(async () => {
  if ($("#editor").hidden || !state.name) return;
  try {
    const disk = await api(`/api/routine?name=${encodeURIComponent(state.name)}`);
    if (disk.hash === state.baseHash) return;
    if (!state.dirty) {
      Object.assign(state, { text: disk.text, diskText: disk.text, baseHash: disk.hash });
      $("#yaml").value = disk.text;
      setDirty();
      notice("The file changed on disk; the new version is loaded.");
      check({ text: disk.text }, true);
    } else if (!$("#notice").dataset.conflict) {
      $("#notice").dataset.conflict = "1";
      notice("The file changed on disk while you edit it; saving will ask what to keep.", "warning");
    }
  } catch (error) { /* a deleted file is reported on save */ }
}, 4000);

// --- tabs ------------------------------------------------------------------------------------

for (const tab of document.querySelectorAll("[role=tab]")) {
  tab.addEventListener("click", () => {
    for (const other of document.querySelectorAll("[role=tab]")) {
      other.setAttribute("aria-selected", String(other === tab));
      $(`#${other.getAttribute("aria-controls")}`).hidden = other !== tab;
    }
    if (tab.id === "tab-yaml") $("#yaml").value = state.text;
  });
}

// --- customize, render, play, share ---------------------------------------------------------

function renderChoices() {
  const box = $("#choice-list");
  const c = state.choices;
  box.replaceChildren(...state.exercises.map((exercise) => {
    const keep = el("input", { type: "checkbox", checked: !c.skip.includes(exercise.id), "aria-label": `Keep ${exercise.name}` });
    keep.addEventListener("change", () => {
      c.skip = keep.checked ? c.skip.filter((id) => id !== exercise.id) : [...c.skip, exercise.id];
      choicesChanged();
    });
    const number = (key, what, shown) => {
      if (!shown) return null;
      const input = el("input", { type: "number", min: "1", step: "1", placeholder: "as written", value: c[key][exercise.id] ?? "", "aria-label": `${what} of ${exercise.name}` });
      input.addEventListener("change", () => {
        const n = parseInt(input.value, 10);
        if (Number.isNaN(n)) delete c[key][exercise.id]; else c[key][exercise.id] = n;
        choicesChanged();
      });
      return el("label", {}, el("span", { text: what }), input);
    };
    return el("li", {}, el("label", { class: "keep" }, keep, el("span", { text: exercise.name })),
      number("reps", "Reps", exercise.reps !== null), number("sets", "Sets", true), number("holds", "Hold s", exercise.holds));
  }));
}

function choicesChanged() {
  state.lastEdit = performance.now();
  check({ text: state.text }, false);
}

$("#level").addEventListener("change", () => { state.choices.level = $("#level").value; choicesChanged(); });
$("#rest").addEventListener("change", () => {
  const v = $("#rest").value.trim();
  state.choices.rest = v === "" ? null : Number(v);
  choicesChanged();
});

async function follow(job, bar, label) {
  bar.hidden = false;
  for (;;) {
    bar.value = job.progress;
    label.textContent = job.state === "running" ? `${job.stage}… ${Math.round(job.progress * 100)}%` : "";
    if (job.state !== "running") break;
    await new Promise((r) => setTimeout(r, 300));
    job = await api(`/api/job/${job.id}`);
  }
  bar.hidden = true;
  if (job.state === "failed") throw new Error(job.error);
  return job.result;
}

async function saveFirst() {
  if (state.issues.some((i) => i.level === "error")) {
    notice("Fix the errors first: they are shown at their fields.", "error");
    return false;
  }
  return !state.dirty || save();
}

$("#render").addEventListener("click", async () => {
  if (!(await saveFirst())) return;
  $("#render-result").replaceChildren();
  try {
    const job = await api("/api/render", { name: state.name, choices: state.choices });
    showRender(await follow(job, $("#progress"), $("#progress-label")));
  } catch (error) { notice(error.message, "error"); }
});

function showRender(result) {
  const out = $("#render-result");
  $("#player").src = `${result.player}?v=${Date.now()}`;  // a new render under the same name
  $("#player-box").hidden = false;
  out.replaceChildren(
    el("span", { text: `Rendered ${clock(result.duration)} ` }),
    el("a", { class: "button", id: "download-audio", href: result.download, download: "", text: "Download MP3" }));
  out.dataset.duration = String(result.duration);
}

$("#bundle").addEventListener("click", async () => {
  if (!(await saveFirst())) return;
  try {
    const job = await api("/api/bundle", { name: state.name, choices: state.choices });
    const result = await follow(job, $("#progress"), $("#progress-label"));
    showRender(result);
    $("#render-result").append(el("a", { class: "button", href: result.bundle, download: "", text: "Download bundle (.zip)" }));
  } catch (error) { notice(error.message, "error"); }
});

$("#variant-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!(await saveFirst())) return;
  try {
    const { name } = await api("/api/variant", { name: state.name, choices: state.choices, title: $("#variant-title").value });
    notice(`Saved the variant as ${name}.`, "info", [["Open it", () => { location.hash = `#/edit/${encodeURIComponent(name)}`; }]]);
  } catch (error) { notice(error.message, "error"); }
});

$("#site-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const job = await api("/api/site", { base_url: $("#site-url").value, title: $("#site-title").value });
    const result = await follow(job, $("#progress"), $("#progress-label"));
    notice(`Site rebuilt in ${$("#folder").textContent}/site: ${result.episodes} routines, ${result.rendered.length} rendered, ${result.written} files written.`);
  } catch (error) { notice(error.message, "error"); }
});

// --- routing ---------------------------------------------------------------------------------

async function route() {
  const match = location.hash.match(/^#\/edit\/(.+)$/);
  try {
    if (match) await openEditor(decodeURIComponent(match[1]));
    else await showLibrary();
  } catch (error) {
    notice(error.message, "error");
  }
}

window.addEventListener("hashchange", route);
window.studio = { state, timings: () => state.timings };
route();
