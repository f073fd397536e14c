// A form generated from a JSON Schema: objects, arrays (add, remove, reorder), enums, numbers
// with their bounds, text, booleans, and anyOf/oneOf ("text or list", "number or range",
// "cue or hold") with a switch between the alternatives. Every field carries data-path (its
// keys and indexes joined by "."), so messages can be shown at the field they concern.

export function pathKey(path) {
  return path.join(".");
}

function resolve(root, schema) {
  let s = schema || {};
  for (let i = 0; i < 20 && s.$ref; i++) {
    const parts = s.$ref.replace(/^#\//, "").split("/");
    let target = root;
    for (const part of parts) target = target ? target[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
    const { $ref, ...rest } = s;
    s = { ...(target || {}), ...rest };
  }
  if (s.allOf) {
    let merged = { ...s };
    delete merged.allOf;
    for (const part of s.allOf) {
      const r = resolve(root, part);
      merged = { ...r, ...merged, properties: { ...(r.properties || {}), ...(merged.properties || {}) },
        required: [...(r.required || []), ...(merged.required || [])] };
    }
    s = merged;
  }
  return s;
}

function typesOf(schema) {
  if (Array.isArray(schema.type)) return schema.type;
  if (schema.type) return [schema.type];
  if (schema.properties) return ["object"];
  if (schema.items) return ["array"];
  if (schema.enum) return [...new Set(schema.enum.map(jsonType))];
  if (schema.const !== undefined) return [jsonType(schema.const)];
  return [];
}

function jsonType(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (Number.isInteger(value)) return "integer";
  return typeof value;
}

function fits(root, schema, value) {
  const s = resolve(root, schema);
  const alternatives = s.anyOf || s.oneOf;
  if (alternatives && !constraintsOnly(alternatives)) return alternatives.some((a) => fits(root, a, value));
  if (alternatives && !alternatives.some((a) => fits(root, a, value))) return false;
  const types = typesOf(s);
  const t = jsonType(value);
  if (types.length && !types.includes(t) && !(t === "integer" && types.includes("number"))) return false;
  if (s.enum && !s.enum.includes(value)) return false;
  if (s.const !== undefined && s.const !== value) return false;
  if (t === "object") {
    if ((s.required || []).some((k) => !(k in value))) return false;
    if (s.additionalProperties === false && s.properties) {
      if (Object.keys(value).some((k) => !(k in s.properties))) return false;
    }
  }
  if (t === "string" && s.pattern) {
    try { if (!new RegExp(s.pattern, "u").test(value)) return false; } catch (e) { /* keep */ }
  }
  return true;
}

function variantIndex(root, alternatives, value) {
  const exact = alternatives.findIndex((a) => fits(root, a, value));
  if (exact >= 0) return exact;
  const t = jsonType(value);
  // none fits exactly (the value is being written): the one of its type that knows most of
  // its keys and misses fewest of its required ones
  let best = -1, bestScore = -Infinity;
  alternatives.forEach((a, index) => {
    const r = resolve(root, a);
    const types = typesOf(r);
    if (!(types.includes(t) || (t === "integer" && types.includes("number")))) return;
    let score = 0;
    if (t === "object") {
      const keys = Object.keys(value);
      score = keys.filter((k) => k in (r.properties || {})).length * 2
        - (r.required || []).filter((k) => !(k in value)).length;
    }
    if (score > bestScore) { best = index; bestScore = score; }
  });
  return best >= 0 ? best : 0;
}

export function defaultFor(root, schema) {
  const s = resolve(root, schema);
  if (s.default !== undefined) return structuredClone(s.default);
  if (s.const !== undefined) return s.const;
  const alternatives = s.anyOf || s.oneOf;
  // an example is a good start for a number or a range, never made-up text
  if (s.examples && s.examples.length && !typesOf(s).includes("string")
      && typeof s.examples[0] !== "object") return s.examples[0];
  if (alternatives && !constraintsOnly(alternatives)) return defaultFor(root, alternatives[0]);
  if (s.enum) return s.enum[0];
  const type = typesOf(s)[0];
  if (type === "object") {
    const out = {};
    for (const key of s.required || []) out[key] = defaultFor(root, (s.properties || {})[key] || {});
    return out;
  }
  if (type === "array") {
    const count = s.minItems || 0;
    return Array.from({ length: count }, () => defaultFor(root, s.items || {}));
  }
  if (type === "integer" || type === "number") {
    if (s.examples && typeof s.examples[0] === "number") return s.examples[0];
    if (typeof s.minimum === "number" && s.minimum > 0) return s.minimum;
    return typeof s.exclusiveMinimum === "number" ? s.exclusiveMinimum + 1 : (s.minimum ?? 1);
  }
  if (type === "boolean") return false;
  if (type === "null") return null;
  return "";
}

function convert(root, value, schema) {
  // keep what can be kept when switching between alternatives
  const s = resolve(root, schema);
  const types = typesOf(s);
  if (types.includes("array") && !Array.isArray(value) && value !== undefined && value !== "") {
    return [value];
  }
  if (Array.isArray(value) && !types.includes("array") && value.length && fits(root, s, value[0])) {
    return value[0];
  }
  if (types.includes("string") && typeof value === "number") {
    return s.pattern && /\d.*-/.test(s.examples?.[0] ?? "") ? `${value}-${value}` : String(value);
  }
  if ((types.includes("integer") || types.includes("number")) && typeof value === "string") {
    const n = parseInt(value, 10);
    if (!Number.isNaN(n)) return n;
  }
  return defaultFor(root, s);
}

function label(schema, key) {
  if (schema.title) return schema.title;
  if (typeof key !== "string") return "";
  const words = key.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// Whether a schema's values are drawn as a box of fields (objects, lists) rather than one input.
function isBox(root, schema) {
  const s = resolve(root, schema);
  const alternatives = s.anyOf || s.oneOf;
  if (alternatives && !constraintsOnly(alternatives)) return alternatives.some((a) => isBox(root, a));
  return typesOf(s).some((t) => t === "object" || t === "array");
}

// Alternatives that only say which keys must be present ({"required": ["reps"]} or
// {"required": ["duration"]}): the object is drawn once, with a switch between them.
function constraintsOnly(alternatives) {
  return alternatives.every((a) => a.required && !a.type && !a.properties && !a.$ref && !a.enum && a.const === undefined);
}

// What an alternative is, in words: its title, or "text", "list", "number", "range", or the
// object's first required key ("say", "hold").
function variantName(s, index) {
  if (s.title) return s.title;
  const type = typesOf(s).find((t) => t !== "null");
  if (type === "string") return s.pattern && s.pattern.includes("\\d") ? "range" : s.enum ? "choice" : "text";
  if (type === "array") return "list";
  if (type === "integer" || type === "number") return "number";
  if (type === "boolean") return "yes or no";
  if (type === "object") return (s.required || Object.keys(s.properties || {}))[0] || `option ${index + 1}`;
  return `option ${index + 1}`;
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

// A Form renders `data` against `schema` into `container`; onChange(data, structural) is called
// after every edit (structural: the shape changed, so the form was drawn again).
export class Form {
  constructor(container, schema, onChange) {
    this.container = container;
    this.root = schema;
    this.onChange = onChange;
    this.data = {};
    this.counter = 0;
    this.titles = [];
    this.folded = new Set();
    this.unfolded = new Set();
  }

  render(data) {
    this.data = data;
    this.titles = [];
    const focused = document.activeElement?.closest?.("[data-path]")?.dataset.path;
    this.container.replaceChildren(this.field(this.root, this.data, [], "", true));
    if (focused !== undefined) {
      const again = this.container.querySelector(`[data-path="${CSS.escape(focused)}"] :is(input, select, textarea)`);
      if (again) again.focus();
    }
  }

  get(path) {
    let node = this.data;
    for (const key of path) node = node == null ? undefined : node[key];
    return node;
  }

  set(path, value, structural = false) {
    if (!path.length) {
      this.data = value;
    } else {
      let node = this.data;
      for (const key of path.slice(0, -1)) node = node[key];
      const last = path[path.length - 1];
      if (value === undefined) {
        if (Array.isArray(node)) node.splice(last, 1);
        else delete node[last];
      } else {
        node[last] = value;
      }
    }
    if (structural) this.render(this.data);
    else for (const [node, titleOf] of this.titles) node.textContent = titleOf();
    this.onChange(this.data, structural);
  }

  field(schema, value, path, key, required) {
    const s = resolve(this.root, schema);
    const alternatives = s.anyOf || s.oneOf;
    if (alternatives && alternatives.length && !constraintsOnly(alternatives)) {
      return this.choice(s, alternatives, value, path, key, required);
    }
    const type = typesOf(s).find((t) => t !== "null") || (value !== undefined ? jsonType(value) : "string");
    if (type === "object") return this.object(s, value, path, key, required);
    if (type === "array") return this.array(s, value, path, key, required);
    return this.scalar(s, type, value, path, key, required);
  }

  row(s, path, key, required, control, extra) {
    const id = `f${++this.counter}`;
    const input = control.matches?.("input, select, textarea") ? control : control.querySelector?.("input, select, textarea");
    if (input && !input.id) input.id = id;
    const head = el("div", { class: "field-head" },
      key !== "" ? el("label", { for: input ? input.id : undefined, text: label(s, key) }) : null,
      extra || null,
      !required && path.length ? this.removeButton(path, label(s, key)) : null);
    const help = s.description ? el("div", { class: "help", text: s.description }) : null;
    return el("div", { class: "field", "data-path": pathKey(path) }, head, control, help,
      el("div", { class: "issues", "aria-live": "polite" }));
  }

  removeButton(path, what) {
    return el("button", { type: "button", class: "icon remove", title: `Remove ${what}`,
      "aria-label": `Remove ${what}`, text: "✕",
      onclick: () => this.set(path, undefined, true) });
  }

  scalar(s, type, value, path, key, required) {
    let control;
    if (s.enum) {
      control = el("select", { name: pathKey(path) },
        ...s.enum.map((option) => el("option", { value: JSON.stringify(option), text: String(option),
          selected: option === value })));
      if (!s.enum.includes(value)) control.prepend(el("option", { value: "", text: value === undefined ? "" : String(value), selected: true }));
      control.addEventListener("change", () => {
        if (control.value !== "") this.set(path, JSON.parse(control.value));
      });
    } else if (type === "boolean") {
      control = el("input", { type: "checkbox", name: pathKey(path), checked: value === true });
      control.addEventListener("change", () => this.set(path, control.checked));
    } else if (type === "integer" || type === "number") {
      control = el("input", { type: "number", name: pathKey(path), inputmode: type === "integer" ? "numeric" : "decimal",
        step: type === "integer" ? "1" : "any",
        min: s.minimum ?? s.exclusiveMinimum, max: s.maximum ?? s.exclusiveMaximum,
        value: value === undefined || value === null ? "" : String(value) });
      control.addEventListener("input", () => {
        const text = control.value.trim();
        if (text === "") return this.set(path, null);
        const n = Number(text);
        this.set(path, Number.isFinite(n) ? n : text);
      });
    } else {
      const text = value === undefined || value === null ? "" : String(value);
      const long = (s.maxLength || 0) > 200 && (text.length > 50 || /intro|safety|outro|description|setup|say|text/.test(String(key)));
      control = long
        ? el("textarea", { name: pathKey(path), rows: Math.min(6, Math.max(2, Math.ceil(text.length / 60))) })
        : el("input", { type: "text", name: pathKey(path), value: text, placeholder: s.examples?.[0] ?? "" });
      if (long) control.value = text;
      // a whole number typed where a range is asked ("10" in reps 10-12) is the number 10
      const range = s.pattern && s.pattern.includes("\\d") ? new RegExp(s.pattern) : null;
      control.addEventListener("input", () => {
        const typed = control.value;
        this.set(path, range && !range.test(typed) && /^\s*\d+\s*$/.test(typed) ? Number(typed) : typed);
      });
    }
    return this.row(s, path, key, required, control);
  }

  choice(s, alternatives, value, path, key, required) {
    const index = variantIndex(this.root, alternatives, value);
    const names = alternatives.map((a, i) => variantName(resolve(this.root, a), i));
    const switcher = el("select", { class: "variant", "aria-label": `${label(s, key) || "value"}: kind` },
      ...names.map((n, i) => el("option", { value: String(i), text: n, selected: i === index })));
    switcher.addEventListener("change", () => {
      const chosen = alternatives[Number(switcher.value)];
      this.set(path, convert(this.root, value, chosen), true);
    });
    const inner = resolve(this.root, alternatives[index]);
    const merged = { ...inner, title: undefined, description: inner.description };
    const body = this.field(merged, value, path, "", true);
    body.classList.add("variant-body");
    return this.row(s, [...path, "#"], key, required, body, switcher);
  }

  object(s, value, path, key, required) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) value = {};
    const properties = s.properties || {};
    const req = new Set(s.required || []);
    const box = el("div", { class: path.length ? "object" : "object root" });
    const shown = Object.keys(properties).filter((k) => req.has(k) || k in value);
    for (const k of shown) box.append(this.field(properties[k], value[k], [...path, k], k, req.has(k)));
    const extra = s.additionalProperties && typeof s.additionalProperties === "object" ? s.additionalProperties : null;
    const names = s.propertyNames?.enum || [];
    for (const k of Object.keys(value).filter((k) => !(k in properties))) {
      if (extra && (!names.length || names.includes(k))) {
        box.append(this.field(extra, value[k], [...path, k], k, false));
        continue;
      }
      box.append(el("div", { class: "field unknown", "data-path": pathKey([...path, k]) },
        el("div", { class: "field-head" }, el("span", { text: `${k} (not part of the format)` }),
          this.removeButton([...path, k], k)),
        el("div", { class: "issues" })));
    }
    const groups = s.oneOf || s.anyOf;
    if (groups && constraintsOnly(groups)) box.prepend(this.kindSwitch(s, groups, value, path));
    const absent = Object.keys(properties).filter((k) => !(k in value));
    const more = extra ? names.filter((k) => !(k in value) && !(k in properties)) : [];
    if (absent.length || more.length) {
      const add = el("select", { class: "add-field", "aria-label": `Add a field${key !== "" ? ` to ${label(s, key)}` : ""}` },
        el("option", { value: "", text: "+ Add…" }),
        ...absent.map((k) => el("option", { value: k, text: label(resolve(this.root, properties[k]), k) })),
        ...more.map((k) => el("option", { value: k, text: k })));
      add.addEventListener("change", () => {
        if (!add.value) return;
        const next = {};
        // keep the schema's order: the new key goes among its neighbours
        for (const k of Object.keys(properties)) if (k in value || k === add.value) next[k] = k === add.value ? defaultFor(this.root, properties[k]) : value[k];
        for (const k of Object.keys(value)) if (!(k in next)) next[k] = value[k];
        if (!(add.value in next)) next[add.value] = defaultFor(this.root, extra || {});
        this.set(path, next, true);
      });
      box.append(el("div", { class: "add" }, add));
    }
    if (!path.length || typeof path[path.length - 1] === "number" || key === "") return box;
    const group = el("fieldset", { class: "group", "data-path": pathKey(path) },
      el("legend", {}, el("span", { text: label(s, key) }), !required ? this.removeButton(path, label(s, key)) : null),
      s.description ? el("div", { class: "help", text: s.description }) : null,
      el("div", { class: "issues" }), box);
    return group;
  }

  array(s, value, path, key, required) {
    if (!Array.isArray(value)) value = [];
    const itemSchema = s.items || {};
    const resolvedItem = resolve(this.root, itemSchema);
    const firstAlternative = (resolvedItem.oneOf || resolvedItem.anyOf || [])[0];
    const itemTitle = label(resolvedItem, "")
      || (firstAlternative && !constraintsOnly(resolvedItem.oneOf || resolvedItem.anyOf) && label(resolve(this.root, firstAlternative), ""))
      || "Item";
    const list = el("ol", { class: "items" });
    value.forEach((item, index) => {
      const itemPath = [...path, index];
      // what names the item: its name, or the first text value (a block's or a section's name)
      const nameOf = () => (item && typeof item === "object" && !Array.isArray(item)
        ? (item.name || item.title || Object.values(item).find((v) => typeof v === "string" && v) || "") : "");
      const tools = el("div", { class: "item-tools" },
        el("button", { type: "button", class: "icon", title: "Move up", "aria-label": `Move ${itemTitle} ${index + 1} up`, text: "↑",
          disabled: index === 0, onclick: () => this.move(path, index, -1) }),
        el("button", { type: "button", class: "icon", title: "Move down", "aria-label": `Move ${itemTitle} ${index + 1} down`, text: "↓",
          disabled: index === value.length - 1, onclick: () => this.move(path, index, 1) }),
        el("button", { type: "button", class: "icon remove", title: `Remove ${itemTitle}`, "aria-label": `Remove ${itemTitle} ${index + 1}`, text: "✕",
          disabled: (s.minItems || 0) >= value.length,
          onclick: () => this.set(itemPath, undefined, true) }));
      const key = pathKey(itemPath);
      if (!isBox(this.root, itemSchema)) {
        // a list of texts or numbers: one compact row per item
        const row = this.field(itemSchema, item, itemPath, "", true);
        row.classList.add("scalar-item");
        list.append(el("li", { class: "item compact", "data-path": key }, row, tools));
        return;
      }
      // long lists of big items start folded, so a phone shows the whole list
      const folded = this.folded.has(key) || (!this.unfolded.has(key) && value.length > 3
        && item && typeof item === "object" && Object.keys(item).length >= 4);
      const bodyId = `b${++this.counter}`;
      const toggle = el("button", { type: "button", class: "icon fold", "aria-expanded": String(!folded),
        "aria-controls": bodyId, "aria-label": `Show or hide ${itemTitle} ${index + 1}`, text: folded ? "▸" : "▾" });
      const body = el("div", { id: bodyId, class: "item-body", hidden: folded },
        el("div", { class: "issues" }), this.field(itemSchema, item, itemPath, "", true));
      toggle.addEventListener("click", () => this.fold(key, toggle, body, !body.hidden));
      const kinds = resolvedItem.oneOf || resolvedItem.anyOf;
      const kindTitle = kinds && !constraintsOnly(kinds)
        ? label(resolve(this.root, kinds[variantIndex(this.root, kinds, item)]), "") || itemTitle : itemTitle;
      const titleOf = () => `${kindTitle} ${index + 1}${nameOf() ? `: ${nameOf()}` : ""}`;
      const title = el("span", { class: "item-title", text: titleOf() });
      this.titles.push([title, titleOf]);  // kept up to date as the name is typed
      const head = el("div", { class: "item-head" }, toggle, title,
        el("span", { class: "item-length", "data-length": key }), tools);
      list.append(el("li", { class: "item", "data-path": key }, head, body));
    });
    const add = el("button", { type: "button", class: "add-item", text: `+ Add ${itemTitle.toLowerCase()}`,
      onclick: () => this.set(path, [...value, defaultFor(this.root, itemSchema)], true) });
    const group = el("fieldset", { class: "group array", "data-path": pathKey(path) },
      el("legend", {}, el("span", { text: label(s, key) || "" }), !required ? this.removeButton(path, label(s, key)) : null),
      s.description ? el("div", { class: "help", text: s.description }) : null,
      el("div", { class: "issues" }), list, add);
    if (key === "") group.classList.add("bare");
    return group;
  }

  // "Type: reps | duration": picks which group of keys the object has
  kindSwitch(s, groups, value, path) {
    const current = groups.findIndex((g) => g.required.every((k) => k in value));
    const id = `k${++this.counter}`;
    const select = el("select", { class: "kind", id },
      current < 0 ? el("option", { value: "", text: "choose…", selected: true }) : null,
      ...groups.map((g, i) => el("option", { value: String(i), text: g.required.join(" + "), selected: i === current })));
    select.addEventListener("change", () => {
      if (select.value === "") return;
      const chosen = groups[Number(select.value)];
      const others = new Set(groups.flatMap((g) => g.required).filter((k) => !chosen.required.includes(k)));
      const next = {};
      for (const [k, v] of Object.entries(value)) if (!others.has(k)) next[k] = v;
      for (const k of chosen.required) if (!(k in next)) next[k] = defaultFor(this.root, (s.properties || {})[k] || {});
      this.set(path, next, true);
    });
    return el("div", { class: "field kind-field" }, el("div", { class: "field-head" },
      el("label", { for: id, text: "Type" }), select));
  }

  fold(key, toggle, body, folded) {
    body.hidden = folded;
    toggle.textContent = folded ? "▸" : "▾";
    toggle.setAttribute("aria-expanded", String(!folded));
    (folded ? this.folded : this.unfolded).add(key);
    (folded ? this.unfolded : this.folded).delete(key);
  }

  move(path, index, step) {
    const list = this.get(path);
    const [item] = list.splice(index, 1);
    list.splice(index + step, 0, item);
    this.render(this.data);
    this.onChange(this.data, true);
  }

  // Show messages at their fields: the deepest field whose path starts the message's path;
  // returns the messages that found no field.
  showIssues(issues) {
    for (const box of this.container.querySelectorAll(".issues")) box.replaceChildren();
    for (const node of this.container.querySelectorAll(".has-error, .has-warning")) node.classList.remove("has-error", "has-warning");
    const unplaced = [];
    for (const issue of issues) {
      let path = [...(issue.path || [])];
      let target = null;
      while (path.length && !target) {
        target = this.container.querySelector(`[data-path="${CSS.escape(pathKey(path))}"]`)
          || this.container.querySelector(`[data-path="${CSS.escape(pathKey([...path, "#"]))}"]`);
        if (!target) path = path.slice(0, -1);
      }
      if (!target) { unplaced.push(issue); continue; }
      for (let body = target.closest(".item-body[hidden]"); body; body = body.parentElement.closest(".item-body[hidden]")) {
        const item = body.closest(".item");
        this.fold(item.dataset.path, item.querySelector(":scope > .item-head > .fold"), body, false);
      }
      const box = target.querySelector(":scope > .issues") || target.querySelector(":scope > .item-body > .issues") || target.querySelector(".issues");
      target.classList.add(issue.level === "warning" ? "has-warning" : "has-error");
      box.append(el("div", { class: `issue ${issue.level}`, role: issue.level === "error" ? "alert" : "status" },
        el("strong", { text: issue.problem }), issue.hint ? el("span", { text: ` Fix: ${issue.hint}` }) : null));
    }
    return unplaced;
  }
}
