// relvec explorer: the page served at GET / by `relvec serve`. It calls the service's own JSON routes and
// nothing else. Every value it shows is put in the page as text (textContent, createTextNode), never as HTML.
// The API key lives in this script's memory only and goes out as an Authorization header, never in a URL.
"use strict";

(() => {
  const state = { key: "", info: null, arithmetic: null, mapUrl: null };

  // ---- small DOM helpers: text only ----

  const $ = (id) => document.getElementById(id);

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props || {})) {
      if (value === undefined || value === null) continue;
      if (name === "className") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(name, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function clear(node) {
    node.replaceChildren();
    return node;
  }

  const fixed = (x) => (typeof x === "number" ? x.toFixed(3) : "");

  /** A table cell showing a score to 3 decimals; the exact value is in its title and data-value. */
  function numberCell(value, className) {
    return el(
      "td",
      { className: "num " + (className || ""), title: String(value), dataset: { value: String(value) } },
      fixed(value),
    );
  }

  /**
   * Colours for one table's scores: from pale (its lowest value) to deep blue (its highest), so that the
   * differences within the table show whatever range a model's cosines fall in. The legend gives the range.
   */
  function heatScale(values) {
    const finite = values.filter((v) => Number.isFinite(v));
    // reduce, not Math.min(...values): a big table has more values than a call takes arguments
    const low = finite.length ? finite.reduce((a, b) => Math.min(a, b)) : 0;
    const high = finite.length ? finite.reduce((a, b) => Math.max(a, b)) : 1;
    const colour = (value) => {
      const t = high > low ? (value - low) / (high - low) : 1;
      const alpha = 0.06 + 0.8 * Math.max(0, Math.min(1, t));
      return { background: `rgba(37, 99, 235, ${alpha.toFixed(3)})`, dark: alpha > 0.5 };
    };
    return { low, high, colour };
  }

  function paint(cell, scale, value) {
    const colour = scale.colour(value);
    cell.style.backgroundColor = colour.background;
    if (colour.dark) cell.classList.add("on-dark");
  }

  function legend(scale, what) {
    const swatch = (value) => {
      const node = el("span", { className: "swatch" });
      node.style.backgroundColor = scale.colour(value).background;
      return node;
    };
    return el(
      "p",
      { className: "legend" },
      `${what}: `,
      swatch(scale.low),
      ` ${fixed(scale.low)} (lowest) `,
      swatch(scale.high),
      ` ${fixed(scale.high)} (highest)`,
    );
  }

  function scoreBar(value) {
    const bar = el("span", { className: "bar" });
    bar.style.width = `${Math.max(0, Math.min(1, value)) * 100}%`;
    return el("td", { className: "bar-cell" }, bar);
  }

  const pairText = (pair) => `${pair[0]}:${pair[1]}`;

  /** Long text cut for a message (the field shows it whole). */
  const short = (text, limit = 40) => (text.length > limit ? `${text.slice(0, limit - 1)}…` : text);

  // ---- what the user types ----

  class InputError extends Error {
    constructor(field, message) {
      super(message);
      this.field = field;
    }
  }

  /** "paris:france, dog:bark" (commas, semicolons or new lines between) -> [["paris", "france"], ...]. */
  function parsePairs(text, field, { required = true } = {}) {
    const items = text
      .split(/[\n,;]+/)
      .map((item) => item.trim())
      .filter((item) => item);
    if (!items.length && required) throw new InputError(field, "Type at least one pair, e.g. paris:france");
    return items.map((item, i) => {
      const parts = item.split(":");
      if (parts.length !== 2 || !parts[0].trim() || !parts[1].trim()) {
        throw new InputError(field, `Pair ${i + 1}, "${item}", is not head:tail (two words joined by one colon).`);
      }
      return [parts[0].trim(), parts[1].trim()];
    });
  }

  /** Lines "name = pairs" (named) and lines of plain pairs (unnamed), in order. */
  function parseGroups(text, field) {
    const groups = [];
    text.split("\n").forEach((line, number) => {
      if (!line.trim()) return;
      const cut = line.indexOf("=");
      const name = cut >= 0 ? line.slice(0, cut).trim() : null;
      if (cut >= 0 && !name) throw new InputError(field, `Line ${number + 1}: a relation name comes before "=".`);
      try {
        groups.push({ name, pairs: parsePairs(cut >= 0 ? line.slice(cut + 1) : line, field) });
      } catch (error) {
        throw new InputError(field, `Line ${number + 1}: ${error.message}`);
      }
    });
    return groups;
  }

  function parseRelations(text, field) {
    const relations = {};
    for (const group of parseGroups(text, field)) {
      if (group.name === null) {
        throw new InputError(
          field,
          `"${group.pairs.map(pairText).join(", ")}" has no relation name: write name = pairs.`,
        );
      }
      relations[group.name] = (relations[group.name] || []).concat(group.pairs);
    }
    if (!Object.keys(relations).length) throw new InputError(field, "Type at least one relation: name = pairs.");
    return relations;
  }

  function parseCount(field, name) {
    const text = $(field).value.trim();
    if (!/^\d+$/.test(text)) throw new InputError(field, `${name} must be a whole number; got "${text}".`);
    return Number(text);
  }

  function word(field) {
    const text = $(field).value.trim();
    if (!text) throw new InputError(field, "Type a word.");
    return text;
  }

  // ---- talking to the service ----

  class ApiError extends Error {
    constructor(status, errors, message) {
      super(message || `HTTP ${status}`);
      this.status = status;
      this.errors = errors || [];
    }
  }

  function headers(json) {
    const sent = {};
    if (json) sent["Content-Type"] = "application/json";
    if (state.key) sent.Authorization = `Bearer ${state.key}`;
    return sent;
  }

  /** GET (no body) or POST JSON to one of the service's routes; an answer that is not 2xx throws ApiError. */
  async function call(path, body, { binary = false } = {}) {
    let response;
    try {
      response = await fetch(path, {
        method: body === undefined ? "GET" : "POST",
        headers: headers(body !== undefined),
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "omit",
      });
    } catch (error) {
      if (error instanceof TypeError && /header|ISO-8859-1|code point/i.test(error.message)) {
        throw new ApiError(0, [{ field: "Authorization", value: null, expected: "a key of plain ASCII characters" }]);
      }
      throw new ApiError(0, [], "No answer from the service: is relvec serve still running?");
    }
    if (response.ok) return binary ? response.blob() : response.json();
    let errors = [];
    try {
      const answer = await response.json();
      errors = Array.isArray(answer.errors) ? answer.errors : [];
    } catch (ignored) {
      // not the service's JSON error shape (a proxy in between?): the status alone is shown
    }
    throw new ApiError(response.status, errors);
  }

  // ---- errors next to the fields that caused them ----

  function clearErrors(panel) {
    for (const node of $(panel).querySelectorAll(".field-error")) node.textContent = "";
    for (const node of $(panel).querySelectorAll(".invalid")) node.classList.remove("invalid");
  }

  function fieldError(id, message) {
    const box = $(`${id}-error`);
    const line = el("div", {}, message);
    box.append(line);
    const input = $(id);
    if (input && input.matches("input, textarea")) input.classList.add("invalid");
  }

  /**
   * An API field as the page names it, with the pair that was sent: "pairs[2][1]" -> "pair 3 (dog:bark), tail";
   * "relations.sound[0][0]" -> 'relation "sound", pair 1 (dog:bark), head'.
   */
  function describe(field, sent) {
    const match = /^([A-Za-z_]+)(?:\.(.+?))?((?:\[\d+\])*)$/.exec(field || "");
    if (!match) return field;
    const [, name, key, indices] = match;
    const numbers = [...indices.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
    let list = sent && sent[name];
    const parts = [];
    if (key !== undefined) {
      parts.push(`relation "${key}"`);
      list = list && list[key];
    } else if (!numbers.length) {
      return field;
    }
    if (numbers.length) {
      const pair = Array.isArray(list) ? list[numbers[0]] : null;
      parts.push(`pair ${numbers[0] + 1}` + (Array.isArray(pair) ? ` (${short(pairText(pair), 60)})` : ""));
    }
    if (numbers.length > 1) parts.push(numbers[1] === 0 ? "head" : "tail");
    return parts.join(", ");
  }

  function errorText(entry, sent) {
    const where = describe(entry.field, sent);
    const got = entry.value === null || entry.value === undefined ? "" : `; got ${short(JSON.stringify(entry.value))}`;
    return `${where.charAt(0).toUpperCase()}${where.slice(1)}: expected ${entry.expected}${got}`;
  }

  /**
   * Show an error where it belongs: ``fields`` maps an API field (by its first name) to the page's input id;
   * anything else goes under the panel's form. The key's problems go beside the key field too.
   */
  function showError(panel, error, fields, sent) {
    if (error instanceof InputError) {
      fieldError(error.field, error.message);
      return;
    }
    if (!(error instanceof ApiError)) {
      fieldError(panel, `The page failed: ${error.message}`);
      return;
    }
    if (error.status === 401 || error.status === 403) {
      showKeyError(error);
      fieldError(
        panel,
        error.status === 401
          ? "The service needs an API key: type it in the key field above."
          : "The service refused the API key: check the key field above.",
      );
      return;
    }
    if (error.status === 503) {
      fieldError(panel, "The model is still loading; try again in a moment.");
      watchHealth();
      return;
    }
    if (!error.errors.length) {
      fieldError(panel, error.status ? `The service answered HTTP ${error.status}.` : error.message);
      return;
    }
    for (const entry of error.errors) {
      const name = /^[A-Za-z_]+/.exec(entry.field || "");
      const target = name && fields[name[0]];
      if (entry.field === "Authorization") showKeyError(new ApiError(400, [entry]));
      else fieldError(target || panel, `${statusWord(error.status)}${errorText(entry, sent)}`);
    }
  }

  const statusWord = (status) => (status === 409 ? "Not available here. " : "");

  function showKeyError(error) {
    clearErrors("key-form");
    if (error.status === 401) fieldError("api-key", "This service needs an API key (the server's $RELVEC_API_KEY).");
    else if (error.status === 403) fieldError("api-key", "The API key is wrong.");
    else for (const entry of error.errors) fieldError("api-key", `expected ${entry.expected}`);
    setStatus(error.status === 401 ? "API key needed" : "API key refused", "bad");
  }

  /** Run one panel's request: clear its errors, mark it busy, render the answer or show the error. */
  async function run(panel, work) {
    clearErrors(panel);
    const buttons = $(panel).querySelectorAll("button");
    const result = $(`${panel.replace(/-form$/, "")}-result`);
    for (const button of buttons) button.disabled = true;
    result.classList.add("busy");
    try {
      await work();
    } finally {
      for (const button of buttons) button.disabled = false;
      result.classList.remove("busy");
    }
  }

  // ---- status, model and key ----

  function setStatus(text, kind) {
    const node = $("status");
    node.textContent = text;
    node.className = `status status-${kind}`;
  }

  let watching = false;

  /** Poll /health until the model is loaded, then read /info. */
  async function watchHealth() {
    if (watching) return;
    watching = true;
    try {
      for (;;) {
        let status = "unreachable";
        try {
          const response = await fetch("/health", { cache: "no-store", credentials: "omit" });
          status = (await response.json()).status || "unreachable";
        } catch (ignored) {
          // not started yet, or stopped: keep asking
        }
        if (status === "ok") break;
        if (status === "failed") {
          setStatus("the model failed to load (see the server's log)", "bad");
          return;
        }
        setStatus(status === "loading" ? "loading the model…" : "no answer from the service", "wait");
        await new Promise((resolve) => setTimeout(resolve, status === "loading" ? 1000 : 2000));
      }
    } finally {
      watching = false;
    }
    await loadInfo();
  }

  let infoAsked = 0;

  async function loadInfo() {
    const asked = ++infoAsked;
    let info;
    try {
      info = await call("/info");
    } catch (error) {
      if (asked !== infoAsked) return; // a later question (a new key) answers instead
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) showKeyError(error);
      else if (error instanceof ApiError && error.status === 503) watchHealth();
      else setStatus(error.message, "bad");
      return;
    }
    if (asked !== infoAsked) return;
    clearErrors("key-form");
    state.info = info;
    setStatus("ready", "ok");
    showInfo(info);
    await findArithmetic();
  }

  function showInfo(info) {
    const list = clear($("model-info"));
    const add = (term, value, id) => {
      list.append(el("div", { className: "item" }, el("dt", {}, term), el("dd", { id, title: String(value) }, value)));
    };
    add("model", info.model, "info-model");
    add("vector size", info.dim, "info-dim");
    add(
      "index",
      info.search
        ? info.index_size === null || info.index_size === undefined
          ? "yes"
          : `${info.index_size.toLocaleString("en")} pairs`
        : "none",
      "info-index",
    );
    add("precision", info.precision, "info-precision");
    add("pooling", info.pooling, "info-pooling");
    add("relvec", info.version, "info-version");
    const limits = info.limits;
    for (const node of document.querySelectorAll("[data-limits]")) {
      node.textContent = `up to ${limits.max_pairs} pairs a request, ${limits.max_word_length} characters a word`;
    }
    for (const id of ["search-k", "complete-k"]) $(id).max = String(limits.max_k);

    $("search-unavailable").hidden = info.search;
    $("search-form").hidden = !info.search;
    $("search-hint").hidden = !info.search;
    $("complete-unavailable").hidden = info.complete;
    $("complete-form").hidden = !info.complete;
    const indexMap = info.search && (info.index_size === null || info.index_size === undefined || info.index_size >= 4);
    for (const id of ["map-index-button", "map-index-options", "map-index-hint"]) $(id).hidden = !indexMap;
  }

  /** Relation arithmetic (positive and negative pairs) is offered when the service has POST /most_similar. */
  async function findArithmetic() {
    state.arithmetic = null;
    if (state.info && state.info.search) {
      try {
        const schema = await call("/openapi.json");
        if (schema.paths && schema.paths["/most_similar"] && schema.paths["/most_similar"].post) {
          state.arithmetic = "/most_similar";
        }
      } catch (ignored) {
        // no schema to read: only plain search is offered
      }
    }
    $("search-mode").hidden = !state.arithmetic;
    if (!state.arithmetic) setSearchMode("nearest");
  }

  function setSearchMode(mode) {
    for (const radio of document.querySelectorAll('input[name="search-mode"]')) radio.checked = radio.value === mode;
    $("search-nearest").hidden = mode !== "nearest";
    $("search-arithmetic").hidden = mode !== "arithmetic";
  }

  // ---- the panels ----

  async function similarity() {
    const sent = { pairs: parsePairs($("similarity-pairs").value, "similarity-pairs") };
    const fields = { pairs: "similarity-pairs", body: "similarity-pairs" };
    try {
      const answer = await call("/similarity", sent);
      renderMatrix(sent.pairs, answer.matrix);
    } catch (error) {
      showError("similarity-form", error, fields, sent);
    }
  }

  /** Pairs beyond this many are compared by the service but left out of the table (it would not be readable). */
  const MATRIX_SHOWN = 60;

  function renderMatrix(allPairs, allRows) {
    const pairs = allPairs.slice(0, MATRIX_SHOWN);
    const matrix = allRows.slice(0, MATRIX_SHOWN).map((row) => row.slice(0, MATRIX_SHOWN));
    const head = el("tr", {}, el("th", { className: "corner" }));
    pairs.forEach((pair, j) =>
      head.append(
        el(
          "th",
          { scope: "col", className: "col-head", title: pairText(pair) },
          el("span", { className: "col-number" }, String(j + 1)),
          el("span", { className: "pair" }, pairText(pair)),
        ),
      ),
    );
    const scale = heatScale(matrix.flatMap((row, i) => row.filter((_, j) => j !== i)));
    const body = el("tbody");
    matrix.forEach((row, i) => {
      const line = el(
        "tr",
        {},
        el(
          "th",
          { scope: "row", className: "row-head" },
          el("span", { className: "col-number" }, String(i + 1)),
          el("span", { className: "pair" }, pairText(pairs[i])),
        ),
      );
      row.forEach((value, j) => {
        const cell = numberCell(value, i === j ? "diagonal" : "");
        if (i !== j) paint(cell, scale, value);
        cell.title = `${pairText(pairs[i])} vs ${pairText(pairs[j])}: ${value}`;
        line.append(cell);
      });
      body.append(line);
    });
    const table = el("table", { id: "similarity-table", className: "matrix" }, el("thead", {}, head), body);
    const parts = [el("div", { className: "scroll" }, table)];
    if (pairs.length > 1) parts.push(legend(scale, "cosine, the diagonal aside"));
    if (allPairs.length > pairs.length) {
      parts.push(el("p", { className: "hint" }, `The first ${pairs.length} of ${allPairs.length} pairs are shown.`));
    }
    clear($("similarity-result")).append(...parts);
  }

  async function search() {
    const k = () => parseCount("search-k", "k");
    const arithmetic = state.arithmetic && !$("search-arithmetic").hidden;
    let sent;
    let path;
    if (arithmetic) {
      sent = {
        positive: parsePairs($("search-positive").value, "search-positive"),
        negative: parsePairs($("search-negative").value, "search-negative", { required: false }),
        k: k(),
      };
      path = state.arithmetic;
    } else {
      sent = { pairs: parsePairs($("search-query").value, "search-query"), k: k() };
      path = "/search";
    }
    const fields = {
      pairs: "search-query",
      positive: "search-positive",
      negative: "search-negative",
      k: "search-k",
      body: arithmetic ? "search-positive" : "search-query",
    };
    try {
      const answer = await call(path, sent);
      // /search answers one list per query pair; /most_similar one list for the whole expression.
      const groups = arithmetic ? [answer.results] : answer.results;
      const titles = arithmetic ? [expression(sent)] : sent.pairs.map(pairText);
      renderHits(groups, titles);
    } catch (error) {
      showError("search-form", error, fields, sent);
    }
  }

  const expression = (sent) =>
    sent.positive.map(pairText).join(" + ") + sent.negative.map((pair) => ` − ${pairText(pair)}`).join("");

  function renderHits(groups, titles) {
    const result = clear($("search-result"));
    groups.forEach((hits, g) => {
      const body = el("tbody");
      hits.forEach((hit, i) =>
        body.append(
          el(
            "tr",
            {},
            el("td", { className: "rank" }, String(i + 1)),
            el("td", { className: "pair" }, pairText([hit.head, hit.tail])),
            numberCell(hit.score),
            scoreBar(hit.score),
          ),
        ),
      );
      result.append(
        el("h3", {}, "nearest to ", el("span", { className: "pair" }, titles[g])),
        el(
          "table",
          { className: "hits", id: `search-table-${g}` },
          el(
            "thead",
            {},
            el(
              "tr",
              {},
              el("th", {}, "#"),
              el("th", {}, "pair"),
              el("th", { className: "num" }, "cosine"),
              el("th", {}),
            ),
          ),
          body,
        ),
      );
    });
  }

  async function complete() {
    const sent = {
      a: word("complete-a"),
      b: word("complete-b"),
      c: word("complete-c"),
      k: parseCount("complete-k", "k"),
    };
    const fields = { a: "complete-a", b: "complete-b", c: "complete-c", k: "complete-k", body: "complete-c" };
    try {
      const answer = await call("/complete", sent);
      const parts = answer.completions.some((item) => item.relation !== undefined);
      const body = el("tbody");
      answer.completions.forEach((item, i) =>
        body.append(
          el(
            "tr",
            {},
            el("td", { className: "rank" }, String(i + 1)),
            el("td", { className: "word" }, item.word),
            numberCell(item.score, "strong"),
            parts ? numberCell(item.relation) : null,
            parts ? numberCell(item.offset) : null,
          ),
        ),
      );
      const head = el(
        "tr",
        {},
        el("th", {}, "#"),
        el("th", {}, "d"),
        el("th", { className: "num" }, "score"),
        parts ? el("th", { className: "num", title: "cosine of r(a, b) with r(c, d)" }, "relation") : null,
        parts ? el("th", { className: "num", title: "3CosAdd over GloVe word vectors" }, "offset") : null,
      );
      clear($("complete-result")).append(
        el("h3", {}, el("span", { className: "pair" }, `${sent.a} : ${sent.b} :: ${sent.c} : ?`)),
        el("table", { className: "hits", id: "complete-table" }, el("thead", {}, head), body),
      );
    } catch (error) {
      showError("complete-form", error, fields, sent);
    }
  }

  async function label() {
    const sent = {
      relations: parseRelations($("label-relations").value, "label-relations"),
      pairs: parsePairs($("label-pairs").value, "label-pairs"),
    };
    const fields = { relations: "label-relations", pairs: "label-pairs", body: "label-pairs" };
    try {
      const answer = await call("/label", sent);
      const head = el(
        "tr",
        {},
        el("th", {}, "pair"),
        el("th", {}, "relation"),
        el("th", { className: "num" }, "score"),
      );
      for (const name of answer.relations) head.append(el("th", { className: "num relation-name", title: name }, name));
      const scale = heatScale(answer.labels.flatMap((item) => item.scores));
      const body = el("tbody");
      for (const item of answer.labels) {
        const line = el(
          "tr",
          {},
          el("td", { className: "pair" }, pairText([item.head, item.tail])),
          el("td", {}, el("span", { className: "chip" }, item.relation)),
          numberCell(item.score, "strong"),
        );
        item.scores.forEach((value, r) => {
          const cell = numberCell(value, answer.relations[r] === item.relation ? "best" : "");
          paint(cell, scale, value);
          line.append(cell);
        });
        body.append(line);
      }
      clear($("label-result")).append(
        el(
          "div",
          { className: "scroll" },
          el("table", { className: "hits", id: "label-table" }, el("thead", {}, head), body),
        ),
        legend(scale, "cosine with each relation's mean example vector"),
      );
    } catch (error) {
      showError("label-form", error, fields, sent);
    }
  }

  async function drawMap(fromIndex) {
    const groups = parseGroups($("map-pairs").value, "map-pairs");
    const named = groups.filter((group) => group.name !== null);
    let sent;
    if (fromIndex) {
      const sample = parseCount("map-sample", "The number of index pairs");
      sent = { sample };
      if (named.length) {
        sent.relations = {};
        for (const group of named) sent.relations[group.name] = (sent.relations[group.name] || []).concat(group.pairs);
      }
    } else {
      const pairs = groups.flatMap((group) => group.pairs);
      if (pairs.length < 4)
        throw new InputError("map-pairs", `A map needs at least 4 pairs; there are ${pairs.length}.`);
      sent = { pairs };
      if (named.length) sent.labels = groups.flatMap((group) => group.pairs.map(() => group.name || "(no label)"));
    }
    const fields = {
      pairs: "map-pairs",
      labels: "map-pairs",
      relations: "map-pairs",
      sample: "map-sample",
      index: "map-pairs",
      body: "map-pairs",
    };
    try {
      const image = await call("/map", sent, { binary: true });
      if (state.mapUrl) URL.revokeObjectURL(state.mapUrl);
      state.mapUrl = URL.createObjectURL(image);
      const picture = el("img", { id: "map-image", alt: fromIndex ? "relation map of the index" : "relation map" });
      picture.src = state.mapUrl;
      const full = el(
        "a",
        { href: state.mapUrl, target: "_blank", rel: "noopener", title: "open at full size" },
        picture,
      );
      clear($("map-result")).append(full);
      $("map-download").href = state.mapUrl;
      $("map-download").hidden = false;
    } catch (error) {
      showError("map-form", error, fields, sent);
    }
  }

  // ---- wiring ----

  function onSubmit(formId, work) {
    $(formId).addEventListener("submit", (event) => {
      event.preventDefault();
      run(formId, async () => {
        try {
          await work();
        } catch (error) {
          showError(formId, error, {}, null);
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("key-form").addEventListener("submit", (event) => {
      event.preventDefault();
      state.key = $("api-key").value.trim();
      clearErrors("key-form");
      loadInfo();
    });
    onSubmit("similarity-form", similarity);
    onSubmit("search-form", search);
    onSubmit("complete-form", complete);
    onSubmit("label-form", label);
    onSubmit("map-form", () => drawMap(false));
    $("map-index-button").addEventListener("click", () =>
      run("map-form", async () => {
        try {
          await drawMap(true);
        } catch (error) {
          showError("map-form", error, {}, null);
        }
      }),
    );
    for (const radio of document.querySelectorAll('input[name="search-mode"]')) {
      radio.addEventListener("change", () => setSearchMode(radio.value));
    }
    // Enter in a textarea adds a line; Ctrl+Enter (or Cmd+Enter) runs its panel.
    for (const area of document.querySelectorAll("textarea")) {
      area.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          area.form.requestSubmit();
        }
      });
    }
    watchHealth();
  });
})();
