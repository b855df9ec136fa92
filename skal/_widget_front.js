// The browser side of skal.widget.WidgetOracle (see skal/_widget_view.py).
const GUARD_MS = 250;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key === "html") node.innerHTML = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child) node.appendChild(child);
  return node;
}

function render({ model, el: host }) {
  const root = el("div", {
    class: "skal-widget",
    tabindex: "0",
    "data-lm-suppress-shortcuts": "true",
  });
  host.appendChild(root);
  let token = null;
  let shownAt = 0;
  let sent = false;
  let picks = {};
  let focusWanted = false;

  const send = (msg) => model.send({ ...msg, token: model.get("token") });
  const live = () => model.get("mode") === "ask" || model.get("mode") === "grid";

  function note(text) {
    const status = root.querySelector(".skal-status");
    if (status) status.textContent = text;
  }

  function accept(event) {
    if (sent || !live()) return false;
    if (event && event.repeat) return false;
    if (event && event.detail > 1) {
      note("Ignored: a second click of a double click. Click once per sample.");
      return false;
    }
    if (performance.now() - shownAt < GUARD_MS) {
      note("Ignored: the sample had only just appeared.");
      return false;
    }
    return true;
  }

  function lock() {
    sent = true;
    root.classList.add("skal-sent");
    for (const b of root.querySelectorAll("button")) b.disabled = true;
  }

  function answer(choice, event) {
    if (model.get("mode") !== "ask" || !accept(event)) return;
    lock();
    send({ type: "answer", choice });
  }

  function undo(event) {
    if (!model.get("can_undo") || !accept(event)) return;
    lock();
    send({ type: "undo" });
  }

  function button(choice, onclick) {
    const b = el("button", {
      class: "skal-choice skal-" + choice.kind,
      tabindex: "-1",
      title: choice.key ? `key ${choice.key}` : "",
      onclick,
    });
    // A class that is its own key (a digit) shows once, as a key.
    if (choice.key && choice.key !== choice.label) {
      b.appendChild(el("kbd", { text: choice.key }));
    }
    b.appendChild(el("span", {
      class: choice.key === choice.label ? "skal-own-key" : "",
      text: choice.label,
    }));
    return b;
  }

  function stage(item, small) {
    const box = el("div", { class: small ? "skal-tile-stage" : "skal-stage" });
    if (item.image) {
      const img = el("img", { src: item.image, alt: `sample ${item.index}` });
      img.style.width = (small ? Math.min(item.width, 160) : item.width) + "px";
      box.appendChild(img);
    } else {
      box.appendChild(el("div", { class: "skal-text", html: item.html }));
    }
    return box;
  }

  function drawGrid(choices) {
    const items = model.get("items");
    const grid = el("div", { class: "skal-grid" });
    items.forEach((item, k) => {
      const tile = el("div", { class: "skal-tile" });
      tile.appendChild(el("div", { class: "skal-tile-head", text: `#${item.index}` }));
      tile.appendChild(stage(item, true));
      if (item.note) tile.appendChild(el("div", { class: "skal-note", text: item.note }));
      const row = el("div", { class: "skal-buttons skal-small" });
      for (const choice of choices) {
        if (choice.kind === "stop") continue;
        const b = button({ ...choice, key: "" }, (e) => {
          if (!accept(e)) return;
          picks[k] = choice.id;
          draw();
        });
        if (picks[k] === choice.id) b.classList.add("skal-picked");
        row.appendChild(b);
      }
      tile.appendChild(row);
      grid.appendChild(tile);
    });
    const n = items.length;
    const done = Object.keys(picks).length;
    const submit = el("button", {
      class: "skal-submit",
      tabindex: "-1",
      text: done < n ? `${done}/${n} answered` : `Submit ${n} answers`,
      onclick: (e) => {
        if (Object.keys(picks).length < n || !accept(e)) return;
        lock();
        send({ type: "batch", answers: items.map((_, k) => picks[k]) });
      },
    });
    submit.disabled = done < n;
    const stop = choices.find((c) => c.kind === "stop");
    const row = el("div", { class: "skal-buttons" }, submit);
    if (stop) row.appendChild(button({ ...stop, key: "" }, (e) => {
      if (!accept(e)) return;
      lock();
      send({ type: "answer", choice: stop.id });
    }));
    return [grid, row];
  }

  function drawCorrections(choices) {
    const box = el("details", { class: "skal-corrections" });
    if (model.get("corrections_open")) box.open = true;
    box.appendChild(el("summary", { text: "Correct a label" }));
    const recent = model.get("recent");
    if (recent.length) {
      const list = el("div", { class: "skal-recent" });
      list.appendChild(el("span", { text: "Latest: " }));
      for (const r of recent) {
        list.appendChild(el("button", {
          class: "skal-chip",
          tabindex: "-1",
          text: `#${r.index} ${r.label}`,
          onclick: () => { rowInput.value = r.index; },
        }));
      }
      box.appendChild(list);
    }
    const rowInput = el("input", { type: "number", min: "0", placeholder: "row", class: "skal-row" });
    const select = el("select", { class: "skal-select" });
    for (const c of choices) {
      if (c.kind === "class") select.appendChild(el("option", { value: c.id, text: c.label }));
    }
    const fix = (remove) => (e) => {
      const index = parseInt(rowInput.value, 10);
      if (Number.isNaN(index) || sent) return;
      lock();
      send({ type: "relabel", index, choice: remove ? null : parseInt(select.value, 10) });
    };
    box.appendChild(el("div", { class: "skal-fix" },
      el("span", { text: "Row " }), rowInput, el("span", { text: " is " }), select,
      el("button", { tabindex: "-1", text: "relabel", onclick: fix(false) }),
      el("button", { tabindex: "-1", text: "remove its label", onclick: fix(true) })));
    box.addEventListener("toggle", () => model.set("corrections_open", box.open));
    return box;
  }

  function draw() {
    const t = model.get("token");
    if (t !== token) {
      token = t;
      shownAt = performance.now();
      sent = false;
      picks = {};
    }
    const hadFocus = focusWanted || root.contains(document.activeElement);
    const mode = model.get("mode");
    root.className = "skal-widget skal-mode-" + mode;
    root.replaceChildren();
    root.appendChild(el("div", { class: "skal-header", html: model.get("header") }));
    const progress = model.get("progress");
    if (progress.total) {
      const bar = el("div", { class: "skal-progress" }, el("div", {}));
      bar.firstChild.style.width = Math.min(100, 100 * progress.n / progress.total) + "%";
      root.appendChild(bar);
    }
    if (model.get("meta")) root.appendChild(el("div", { class: "skal-meta", html: model.get("meta") }));
    const choices = model.get("choices");
    const items = model.get("items");
    if (model.get("grid") && items.length) {
      for (const part of drawGrid(choices)) root.appendChild(part);
    } else if (items.length) {
      root.appendChild(stage(items[0], false));
      const row = el("div", { class: "skal-buttons" });
      for (const choice of choices) row.appendChild(button(choice, (e) => answer(choice.id, e)));
      root.appendChild(row);
      root.appendChild(el("div", {
        class: "skal-hint",
        text: "Keys (click the widget first): the key on a button labels the "
          + "sample shown; u undoes the latest answer.",
      }));
    }
    const tools = el("div", { class: "skal-tools" });
    const undoButton = el("button", {
      class: "skal-undo", tabindex: "-1", onclick: undo,
    }, el("kbd", { text: "u" }), el("span", { text: "undo last answer" }));
    undoButton.disabled = !model.get("can_undo");
    tools.appendChild(undoButton);
    if (mode === "error") {
      tools.appendChild(el("button", {
        class: "skal-retry", tabindex: "-1", text: "try again",
        onclick: () => { lock(); send({ type: "retry" }); },
      }));
    }
    root.appendChild(tools);
    root.appendChild(el("div", { class: "skal-status", html: model.get("status") }));
    if (model.get("corrections")) root.appendChild(drawCorrections(choices));
    const busy = mode === "busy" || mode === "done" || mode === "error";
    for (const b of root.querySelectorAll(".skal-choice, .skal-submit")) {
      if (busy || sent) b.disabled = true;
    }
    if (busy || sent) undoButton.disabled = undoButton.disabled || sent || mode === "busy";
    if (hadFocus) root.focus({ preventScroll: true });
    focusWanted = false;
  }

  root.addEventListener("pointerdown", () => { focusWanted = true; });
  const keys = (event) => {
    const tag = event.target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") {
      event.stopPropagation();
      return;
    }
    event.stopPropagation();
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();  // never click the button that kept the focus
      return;
    }
    if (event.type !== "keydown" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "u" && model.get("can_undo")) {
      event.preventDefault();
      undo(event);
      return;
    }
    if (model.get("grid")) return;
    const choice = model.get("choices").find((c) => c.key && c.key === event.key);
    if (choice) {
      event.preventDefault();
      answer(choice.id, event);
    }
  };
  root.addEventListener("keydown", keys);
  root.addEventListener("keyup", keys);
  root.addEventListener("keypress", (e) => e.stopPropagation());
  const names = ["token", "mode", "header", "meta", "items", "choices", "status",
    "progress", "recent", "can_undo", "grid", "corrections"];
  for (const name of names) model.on("change:" + name, draw);
  const timer = setInterval(() => {
    if (model.get("waiting")) model.send({ type: "poll" });
  }, 300);
  draw();
  return () => clearInterval(timer);
}

export default { render };
