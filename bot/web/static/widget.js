/*
 * The clinic's chat widget: plain JavaScript, no build step, no third-party code.
 *
 * Talks to the Rasa REST channel: POST <rasa>/webhooks/rest/webhook {sender, message} -> a list of
 * messages: {text}, {text, buttons:[{title, payload}]}, and {custom:{...}} right after a text, with
 *   {topic, sources, reviewed}             an answer from the knowledge base (sources shown under it; whether
 *                                          a clinician has signed it off);
 *   {triage: LEVEL, symptoms, call}        a symptom report; emergency and urgent show a banner with a
 *                                          tap-to-call link to `call`;
 *   {handoff: true, call}                  a request for a person: a call link under the reply.
 * The sender id and the transcript are kept in localStorage, so a reload continues the conversation, for the
 * hours the clinic sets (config.transcript_hours) after the last message.
 * Every text goes into the page as text (textContent / text nodes), never as HTML.
 *
 * Mount: <div id="chat" data-config="/config.json"></div>; the config gives rasa_url (or rasa_port, for
 * the page's own host name) and the clinic's name and numbers (for when the assistant cannot be reached).
 */
(function () {
  "use strict";

  var STORAGE_KEY = "clinic-chat:v1";
  var MAX_ENTRIES = 300;
  var TIMEOUT_MS = 60000;
  var BANNER_LEVELS = { emergency: 2, urgent: 1 };
  var BANNER_TITLES = { emergency: "Emergency", urgent: "Urgent: call now" };
  var PHONE = /\(?\b\d{3}\)?[ .-]?\d{3}[ .-]\d{4}\b/;

  /* ---------- small helpers ---------- */

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        if (attrs[name] === null || attrs[name] === undefined || attrs[name] === false) return;
        if (name === "className") node.className = attrs[name];
        else if (name === "hidden") node.hidden = true;
        else node.setAttribute(name, attrs[name] === true ? "" : String(attrs[name]));
      });
    }
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function telHref(number) {
    return "tel:" + String(number).replace(/[^0-9+]/g, "");
  }

  function asText(value) {
    return typeof value === "string" ? value : value === null || value === undefined ? "" : String(value);
  }

  function randomId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return "web-" + Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  /* Text with the phone numbers in it turned into tel: links; built from text nodes only. */
  function linkify(text, numbers) {
    var fragment = document.createDocumentFragment();
    var parts = [PHONE.source];
    numbers.forEach(function (n) {
      if (n && !PHONE.test(n)) parts.push("\\b" + escapeRegExp(n) + "\\b");
    });
    var pattern = new RegExp(parts.join("|"), "g");
    var last = 0;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      if (match.index > last) fragment.appendChild(document.createTextNode(text.slice(last, match.index)));
      fragment.appendChild(el("a", { href: telHref(match[0]), className: "cw-tel" }, match[0]));
      last = match.index + match[0].length;
    }
    if (last < text.length) fragment.appendChild(document.createTextNode(text.slice(last)));
    return fragment;
  }

  function safeUrl(url) {
    try {
      var parsed = new URL(String(url), window.location.href);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  /* ---------- storage: the conversation survives a reload ---------- */

  // A transcript older than the clinic's setting (config.transcript_hours) is forgotten: on a shared computer the
  // next person must not read it.
  function loadState(maxHours) {
    try {
      var state = JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "null");
      var fresh = state && typeof state.savedAt === "number" && Date.now() - state.savedAt < maxHours * 3600 * 1000;
      if (fresh && typeof state.sender === "string" && Array.isArray(state.entries)) return state;
      window.localStorage.removeItem(STORAGE_KEY);
    } catch (e) { /* storage blocked or corrupt: start a new conversation */ }
    return { sender: randomId(), entries: [], banner: null };
  }

  function saveState(state) {
    try {
      state.entries = state.entries.slice(-MAX_ENTRIES);
      state.savedAt = Date.now();
      window.localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    } catch (e) { /* private mode or full: the chat still works, without persistence */ }
  }

  /* ---------- one Rasa turn -> transcript entries ---------- */

  function parseTurn(replies) {
    var entries = [];
    var buttons = [];
    var banner = null;
    (Array.isArray(replies) ? replies : []).forEach(function (message) {
      if (!message || typeof message !== "object") return;
      var current = entries[entries.length - 1];
      if (typeof message.text === "string" && message.text.trim()) {
        current = { who: "bot", text: message.text };
        entries.push(current);
      }
      if (Array.isArray(message.buttons)) {
        message.buttons.forEach(function (b) {
          if (b && (typeof b.title === "string" || typeof b.payload === "string")) {
            buttons.push({ title: asText(b.title || b.payload), payload: asText(b.payload || b.title) });
          }
        });
      }
      var custom = message.custom;
      if (custom && typeof custom === "object" && !Array.isArray(custom)) {
        var level = asText(custom.triage);
        var call = custom.call ? asText(custom.call) : "";
        if (current) {
          if (level) current.level = level;
          if (typeof custom.topic === "string") current.topic = custom.topic;
          if (typeof custom.reviewed === "boolean") current.reviewed = custom.reviewed;
          if (custom.handoff === true && call) current.handoff = call;
          if (Array.isArray(custom.sources)) {
            current.sources = custom.sources.filter(function (s) { return s && typeof s === "object" && s.title; })
              .map(function (s) { return { title: asText(s.title), url: s.url ? asText(s.url) : null }; });
          }
        }
        if (BANNER_LEVELS[level] && call && (!banner || BANNER_LEVELS[level] > BANNER_LEVELS[banner.level])) {
          banner = { level: level, call: call, text: current ? current.text : "" };
        }
      }
    });
    // Quick replies go after the whole turn, next to the message box, whichever message brought them.
    if (buttons.length) entries.push({ who: "bot", text: "", buttons: buttons });
    return { entries: entries, banner: banner };
  }

  /* ---------- the widget ---------- */

  function ChatWidget(mount, config) {
    this.mount = mount;
    this.config = config;
    this.clinic = config.clinic || {};
    this.url = (config.rasa_url || (window.location.protocol + "//" + window.location.hostname + ":" + config.rasa_port))
      .replace(/\/+$/, "") + "/webhooks/rest/webhook";
    this.transcriptHours = Number(config.transcript_hours) > 0 ? Number(config.transcript_hours) : 12;
    this.state = loadState(this.transcriptHours);
    this.queue = Promise.resolve();
    this.pending = 0;
    var root = this.build();
    this.renderAll();
    // Attached after the restored transcript is in it: a reload is not announced as new messages.
    this.mount.textContent = "";
    this.mount.appendChild(root);
    this.log.scrollTop = this.log.scrollHeight;
    saveState(this.state);
    var self = this;
    window.addEventListener("storage", function (event) {
      if (event.key === STORAGE_KEY) { self.state = loadState(self.transcriptHours); self.renderAll(); }
    });
  }

  ChatWidget.prototype.numbers = function () {
    var c = this.clinic;
    return [c.emergency_number, c.office_phone, c.on_call_phone, c.number_for_now].filter(Boolean).map(asText);
  };

  ChatWidget.prototype.build = function () {
    var self = this;
    var root = el("section", { className: "cw", "aria-labelledby": "cw-title" });
    var header = el("div", { className: "cw-header" });
    header.appendChild(el("h2", { id: "cw-title", className: "cw-title" }, "Ask our assistant"));
    // the sentence is data/kb/safety_texts.yml's widget_intro, given by /config.json
    header.appendChild(el("p", { className: "cw-intro" }, this.clinic.intro || ""));
    this.restart = el("button", { type: "button", className: "cw-restart" }, "Start over");
    this.restart.addEventListener("click", function () {
      if (!self.state.entries.length || window.confirm("Start a new conversation? The messages on this device will be cleared.")) {
        self.startOver();
      }
    });
    header.appendChild(this.restart);
    root.appendChild(header);

    // Emergency and urgent replies: one live alert region that exists before anything is put in it.
    this.alertRegion = el("div", { className: "cw-alert", role: "alert" });
    root.appendChild(this.alertRegion);

    this.log = el("div", {
      className: "cw-log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
      "aria-label": "Conversation", tabindex: "0",
    });
    root.appendChild(this.log);

    this.typing = el("p", { className: "cw-typing", "aria-hidden": "true", hidden: true }, "The assistant is writing…");
    root.appendChild(this.typing);

    var form = el("form", { className: "cw-form", novalidate: true });
    form.appendChild(el("label", { for: "cw-input", className: "cw-label" }, "Your message"));
    var row = el("div", { className: "cw-row" });
    this.input = el("textarea", {
      id: "cw-input", className: "cw-input", rows: "2", autocomplete: "off", "aria-describedby": "cw-hint",
      enterkeyhint: "send",
    });
    this.sendButton = el("button", { type: "submit", className: "cw-send" }, "Send");
    row.appendChild(this.input);
    row.appendChild(this.sendButton);
    form.appendChild(row);
    form.appendChild(el("p", { id: "cw-hint", className: "cw-hint" }, "Press Enter to send. Shift+Enter starts a new line."));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.submitInput();
    });
    this.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        self.submitInput();
      }
    });
    root.appendChild(form);

    return root;
  };

  ChatWidget.prototype.submitInput = function () {
    var text = this.input.value.trim();
    if (!text) { this.input.focus(); return; }
    this.input.value = "";
    this.send(text, text);
  };

  ChatWidget.prototype.send = function (message, shown) {
    var self = this;
    var sender = this.state.sender;
    this.clearButtons();
    this.addEntries([{ who: "user", text: shown }]);
    this.setPending(1);
    // One message at a time, in the order they were sent.
    this.queue = this.queue.then(function () {
      return self.post(sender, message).then(function (replies) {
        var turn = parseTurn(replies);
        if (!turn.entries.length) throw new Error("empty reply");
        if (self.state.sender !== sender) return;  // "Start over" was pressed meanwhile
        self.addEntries(turn.entries);
        if (turn.banner) self.setBanner(turn.banner);
      }).catch(function () {
        if (self.state.sender === sender) self.addEntries([self.unreachableEntry()]);
      }).then(function () { self.setPending(-1); });
    });
    return this.queue;
  };

  ChatWidget.prototype.post = function (sender, message) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? window.setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;
    return window.fetch(this.url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: sender, message: message }),
      signal: controller ? controller.signal : undefined,
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).finally(function () { if (timer) window.clearTimeout(timer); });
  };

  /* Never silence: when the assistant cannot be reached, say whom to call. */
  ChatWidget.prototype.unreachableEntry = function () {
    // data/kb/safety_texts.yml's unreachable, given by /config.json; the last resort when that could not be read
    var text = this.clinic.unreachable ||
      "I can't reach the assistant right now. If this is an emergency, call your local emergency number now.";
    return { who: "bot", text: text, error: true };
  };

  ChatWidget.prototype.setPending = function (delta) {
    this.pending += delta;
    this.typing.hidden = this.pending <= 0;
    this.log.setAttribute("aria-busy", this.pending > 0 ? "true" : "false");
  };

  ChatWidget.prototype.addEntries = function (entries) {
    var self = this;
    var first = null;
    entries.forEach(function (entry) {
      self.state.entries.push(entry);
      var node = self.renderEntry(entry);
      self.log.appendChild(node);
      if (!first && entry.who === "bot") first = node;
    });
    saveState(this.state);
    // Show the start of a long answer; after a short one the log is scrolled to its end anyway.
    this.log.scrollTop = first ? Math.max(0, first.offsetTop - 8) : this.log.scrollHeight;
  };

  ChatWidget.prototype.renderAll = function () {
    var self = this;
    this.log.textContent = "";
    this.state.entries.forEach(function (entry) { self.log.appendChild(self.renderEntry(entry)); });
    this.renderBanner();
    this.log.scrollTop = this.log.scrollHeight;
  };

  ChatWidget.prototype.renderEntry = function (entry) {
    var self = this;
    var wrapper = el("div", { className: "cw-entry cw-entry--" + (entry.who === "user" ? "user" : "bot") });
    if (entry.text) {
      var classes = "cw-msg cw-msg--" + (entry.who === "user" ? "user" : "bot");
      if (entry.level) classes += " cw-msg--" + entry.level.replace(/[^a-z_]/g, "");
      if (entry.error) classes += " cw-msg--error";
      var bubble = el("div", { className: classes, "data-topic": entry.topic || null });
      bubble.appendChild(el("span", { className: "cw-visually-hidden" }, entry.who === "user" ? "You said: " : "Assistant: "));
      var body = el("p", { className: "cw-text" });
      if (entry.who === "user") body.textContent = entry.text;
      else body.appendChild(linkify(entry.text, this.numbers().concat(entry.handoff ? [entry.handoff] : [])));
      bubble.appendChild(body);
      if (entry.handoff) {
        bubble.appendChild(el("a", { className: "cw-call cw-call--handoff", href: telHref(entry.handoff) }, "Call " + entry.handoff));
      }
      if (entry.sources && entry.sources.length) bubble.appendChild(this.renderSources(entry.sources));
      if (entry.topic) {  // said only of an answer a clinician has signed off (python -m bot review sign)
        bubble.appendChild(el("p", { className: "cw-review" }, entry.reviewed === true
          ? "Reviewed by your clinic." : "Not yet reviewed by your clinic."));
      }
      wrapper.appendChild(bubble);
    }
    if (entry.buttons && entry.buttons.length && !entry.buttonsUsed) {
      var group = el("div", { className: "cw-quick", role: "group", "aria-label": "Suggested replies" });
      entry.buttons.forEach(function (button) {
        var node = el("button", { type: "button", className: "cw-quick-button" }, button.title);
        node.addEventListener("click", function () {
          self.input.focus();
          self.send(button.payload, button.title);
        });
        group.appendChild(node);
      });
      wrapper.appendChild(group);
    }
    return wrapper;
  };

  ChatWidget.prototype.renderSources = function (sources) {
    var details = el("details", { className: "cw-sources" });
    details.appendChild(el("summary", null, sources.length === 1 ? "Source" : "Sources (" + sources.length + ")"));
    var list = el("ul");
    sources.forEach(function (source) {
      var item = el("li");
      var url = source.url && safeUrl(source.url);
      item.appendChild(url ? el("a", { href: url, rel: "noopener noreferrer", target: "_blank" }, source.title)
        : document.createTextNode(source.title));
      if (url) item.appendChild(el("span", { className: "cw-visually-hidden" }, " (opens in a new tab)"));
      list.appendChild(item);
    });
    details.appendChild(list);
    return details;
  };

  /* Quick replies are for the latest question only: once the patient answers, the old ones go. */
  ChatWidget.prototype.clearButtons = function () {
    var changed = false;
    this.state.entries.forEach(function (entry) {
      if (entry.buttons && !entry.buttonsUsed) { entry.buttonsUsed = true; changed = true; }
    });
    if (changed) {
      this.state.entries = this.state.entries.filter(function (entry) { return entry.text; });
      this.log.querySelectorAll(".cw-quick").forEach(function (group) {
        var wrapper = group.parentNode;
        group.remove();
        if (!wrapper.childNodes.length) wrapper.remove();
      });
      saveState(this.state);
    }
  };

  ChatWidget.prototype.setBanner = function (banner) {
    this.state.banner = banner;
    saveState(this.state);
    this.renderBanner();
    if (this.alertRegion.scrollIntoView) this.alertRegion.scrollIntoView({ block: "nearest" });
  };

  ChatWidget.prototype.renderBanner = function () {
    var self = this;
    var banner = this.state.banner;
    this.alertRegion.textContent = "";
    if (!banner || !BANNER_LEVELS[banner.level]) return;
    var box = el("div", { className: "cw-banner cw-banner--" + banner.level });
    box.appendChild(el("p", { className: "cw-banner-title" }, BANNER_TITLES[banner.level]));
    if (banner.text) box.appendChild(el("p", { className: "cw-banner-text" }, banner.text));
    var actions = el("div", { className: "cw-banner-actions" });
    actions.appendChild(el("a", { className: "cw-call cw-call--" + banner.level, href: telHref(banner.call) }, "Call " + banner.call));
    var hide = el("button", { type: "button", className: "cw-banner-hide" }, "Hide this message");
    hide.addEventListener("click", function () {
      self.state.banner = null;
      saveState(self.state);
      self.renderBanner();
      self.input.focus();
    });
    actions.appendChild(hide);
    box.appendChild(actions);
    this.alertRegion.appendChild(box);
  };

  ChatWidget.prototype.startOver = function () {
    this.state = { sender: randomId(), entries: [], banner: null };
    saveState(this.state);
    this.renderAll();
    this.input.value = "";
    this.input.focus();
  };

  /* ---------- start ---------- */

  function start() {
    var mount = document.querySelector(".chat-mount[data-config]");
    if (!mount) return;
    // Links to the chat ("Ask our assistant", the skip link, a #chat address) land in the message box,
    // also when followed before the widget is ready.
    var focusWhenReady = mount.id && window.location.hash === "#" + mount.id;
    document.addEventListener("click", function (event) {
      var link = event.target && event.target.closest ? event.target.closest("a[href]") : null;
      if (!link || !mount.id || link.getAttribute("href") !== "#" + mount.id) return;
      if (window.clinicChat) window.setTimeout(function () { window.clinicChat.input.focus(); }, 0);
      else focusWhenReady = true;
    });
    window.fetch(mount.getAttribute("data-config"), { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (config) {
        window.clinicChat = new ChatWidget(mount, config);
        if (focusWhenReady) window.clinicChat.input.focus();
      })
      .catch(function () {
        mount.textContent = "";
        mount.appendChild(el("p", { className: "chat-unavailable", role: "status" },
          "The chat is not available right now. Please call the clinic; the numbers are on this page."));
      });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();

  window.ClinicChat = { parseTurn: parseTurn, ChatWidget: ChatWidget };
})();
