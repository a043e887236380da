/*
 * Wegwijzer chat widget. A site adds one tag:
 *   <script src="https://<host>/widget.js" data-title="Wegwijzer" data-lang="nl" defer></script>
 * No dependencies and no build step. Everything lives in a shadow root, so the host page's styles
 * and the widget's styles cannot touch each other. Text from messages is only ever set with
 * textContent: links are recognised in it and made into <a> elements, nothing is parsed as HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  if (!script || document.querySelector("wegwijzer-chat")) return;

  var BASE = new URL("./", script.src);
  var API_URL = new URL("api/message", BASE).href;
  var MAX_CHARS = 2000;
  var COUNTER_FROM = 1800;
  var REQUEST_TIMEOUT_MS = 45000;
  var MAX_TRANSCRIPT = 300;
  var STORE_KEY = "wegwijzer-widget:" + BASE.href;

  var TEXTS = {
    nl: {
      launcher: "Chat met {title}",
      subtitle: "Digitale assistent van de provincie Overijssel",
      close: "Chat sluiten",
      newConversation: "Nieuw gesprek",
      log: "Gesprek met {title}",
      you: "U:",
      bot: "{title}:",
      choices: "Kies een antwoord",
      inputLabel: "Uw bericht",
      placeholder: "Typ uw bericht",
      hint: "Enter verstuurt, Shift+Enter geeft een nieuwe regel.",
      send: "Versturen",
      typing: "{title} typt een antwoord",
      counter: "{count} van {max} tekens",
      counterTooLong: "{count} van {max} tekens: te lang",
      tooLong: "Uw bericht is te lang. Maak het korter dan {max} tekens. Uw tekst staat nog in het invoerveld.",
      notSent: "Niet verstuurd",
      unreachable: "{title} is nu niet bereikbaar. Uw bericht is bewaard. Probeer het zo opnieuw. Lukt het niet? Bel de provincie Overijssel: {{phone}} (werkdagen), of mail {{email}}.",
      rateLimited: "U stuurt veel berichten kort na elkaar. Wacht even en probeer het dan opnieuw. Uw bericht is bewaard.",
      rejected: "Dit bericht kon ik niet versturen. Probeer het anders te zeggen.",
      pending: "Uw laatste bericht is nog niet verstuurd.",
      noAnswer: "{title} gaf geen antwoord. Typ uw bericht nog eens. Lukt het niet? Bel de provincie Overijssel: {{phone}} (werkdagen), of mail {{email}}.",
      retry: "Opnieuw versturen",
      privacy: "Privacy",
      accessibility: "Toegankelijkheid",
      newWindow: "(opent in een nieuw venster)",
      disclaimer: "{title} is een computerprogramma, geen mens.",
      human: "Liever een mens? Bel",
      confirmNew: "Opnieuw beginnen? Dit gesprek verdwijnt dan uit dit venster.",
      confirmYes: "Ja, opnieuw beginnen",
      confirmNo: "Nee, verder met dit gesprek"
    },
    en: {
      launcher: "Chat with {title}",
      subtitle: "Digital assistant of the province of Overijssel",
      close: "Close chat",
      newConversation: "New conversation",
      log: "Conversation with {title}",
      you: "You:",
      bot: "{title}:",
      choices: "Choose an answer",
      inputLabel: "Your message",
      placeholder: "Type your message",
      hint: "Enter sends, Shift+Enter starts a new line.",
      send: "Send",
      typing: "{title} is typing an answer",
      counter: "{count} of {max} characters",
      counterTooLong: "{count} of {max} characters: too long",
      tooLong: "Your message is too long. Keep it under {max} characters. Your text is still in the input box.",
      notSent: "Not sent",
      unreachable: "{title} cannot be reached right now. Your message has been kept. Please try again in a moment. Still not working? Call the province of Overijssel: {{phone}} (working days), or email {{email}}.",
      rateLimited: "You are sending many messages in a short time. Please wait a moment and try again. Your message has been kept.",
      rejected: "I could not send this message. Please try saying it differently.",
      pending: "Your last message has not been sent yet.",
      noAnswer: "{title} did not answer. Please type your message again. Still not working? Call the province of Overijssel: {{phone}} (working days), or email {{email}}.",
      retry: "Send again",
      privacy: "Privacy",
      accessibility: "Accessibility",
      newWindow: "(opens in a new window)",
      disclaimer: "{title} is a computer program, not a person.",
      human: "Rather talk to a person? Call",
      confirmNew: "Start over? This conversation will then disappear from this window.",
      confirmYes: "Yes, start over",
      confirmNo: "No, continue this conversation"
    }
  };

  var title = (script.getAttribute("data-title") || "Wegwijzer").trim() || "Wegwijzer";
  var lang = pickLanguage(script.getAttribute("data-lang"), document.documentElement.lang);

  function pickLanguage(attribute, pageLang) {
    var wanted = (attribute || pageLang || "nl").toLowerCase();
    return wanted.indexOf("en") === 0 ? "en" : "nl";
  }

  function t(key, values) {
    var all = Object.assign({ title: title, max: MAX_CHARS }, values || {});
    return TEXTS[lang][key].replace(/\{(\w+)\}/g, function (_, name) { return String(all[name]); });
  }

  /* ---------- state that survives a reload (sessionStorage, this tab only) ---------- */

  function newSessionId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));  // non-secure pages lack randomUUID
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function freshState() {
    return { session: newSessionId(), entries: [], outbox: [], open: false, nextId: 1 };
  }

  function loadState() {
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(STORE_KEY) || "null");
      if (saved && typeof saved.session === "string" && Array.isArray(saved.entries) && Array.isArray(saved.outbox)) {
        return saved;
      }
    } catch (e) { /* no storage (privacy settings) or damaged: start fresh */ }
    return freshState();
  }

  function saveState() {
    state.entries = state.entries.slice(-MAX_TRANSCRIPT);
    try { window.sessionStorage.setItem(STORE_KEY, JSON.stringify(state)); } catch (e) { /* memory only */ }
  }

  var state = loadState();
  var busy = false;
  var paused = false;

  /* ---------- DOM helpers ---------- */

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      var value = attributes[name];
      if (value === false || value === null || value === undefined) return;
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function icon(pathData) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", pathData);
    svg.appendChild(path);
    return svg;
  }

  var LINK = new RegExp([
    "([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,})",            // e-mail address
    "(https?:\\/\\/[^\\s<>\"']+)",                                                     // web address
    "(\\b(?:www\\.)?[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.(?:nl|com|org|net|eu)\\b(?:\\/[^\\s<>\"']*)?)", // bare domain
    "((?:\\+31[ -]?|\\b0)\\d{2,3}[ -]?\\d{3}[ -]?\\d{2}[ -]?\\d{2}(?!\\d))"            // Dutch phone number
  ].join("|"), "g");
  var SAFE_PROTOCOLS = ["http:", "https:", "mailto:", "tel:"];

  /** Text as nodes: plain text nodes, and <a> elements for web addresses, e-mail addresses and phone numbers. */
  function linkified(text) {
    var fragment = document.createDocumentFragment();
    var last = 0;
    text.replace(LINK, function (match, email, url, domain, phone, offset) {
      var shown = match.replace(/[.,;:!?)\]]+$/, "");  // sentence punctuation is not part of a link
      var href = email ? "mailto:" + shown
        : url ? shown
        : domain ? "https://" + shown
        : "tel:" + shown.replace(/[ -]/g, "");
      var link = safeLink(href, shown, !!(url || domain));
      if (!link) return match;
      fragment.appendChild(document.createTextNode(text.slice(last, offset)));
      fragment.appendChild(link);
      last = offset + shown.length;
      return match;
    });
    fragment.appendChild(document.createTextNode(text.slice(last)));
    return fragment;
  }

  function safeLink(href, shown, external) {
    var parsed;
    try { parsed = new URL(href); } catch (e) { return null; }
    if (SAFE_PROTOCOLS.indexOf(parsed.protocol) < 0) return null;
    var link = el("a", { href: parsed.href });
    link.appendChild(external ? breakableAddress(shown) : document.createTextNode(shown));
    if (external) {
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      link.appendChild(el("span", { "class": "ww-sr", text: " " + t("newWindow") }));
    }
    return link;
  }

  /** A web address that a narrow bubble may break after a "/" or "." instead of inside a word. */
  function breakableAddress(address) {
    var fragment = document.createDocumentFragment();
    address.replace(/([\/.])/g, "$1\n").split("\n").forEach(function (part, index) {  // \n: never in an address
      if (index) fragment.appendChild(document.createElement("wbr"));
      fragment.appendChild(document.createTextNode(part));
    });
    return fragment;
  }

  /* ---------- the interface ---------- */

  var host = document.createElement("wegwijzer-chat");
  var root = host.attachShadow({ mode: "open" });
  var stylesheet = el("link", { rel: "stylesheet", href: new URL("widget.css", BASE).href });
  var frame = el("div", { "class": "ww", lang: lang, hidden: true });
  stylesheet.addEventListener("load", function () { frame.hidden = false; });
  stylesheet.addEventListener("error", function () { frame.hidden = false; });

  var launcher = el("button", { type: "button", "class": "ww-launcher", "aria-expanded": "false",
                                "aria-controls": "ww-panel" },
    [icon("M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"),
     el("span", { text: t("launcher") })]);

  var closeButton = el("button", { type: "button", "class": "ww-icon-button ww-close", "aria-label": t("close") },
    [icon("M6 6l12 12M18 6L6 18")]);
  var newButton = el("button", { type: "button", "class": "ww-text-button ww-new", text: t("newConversation") });
  var log = el("div", { "class": "ww-log", id: "ww-log", role: "log", "aria-live": "polite",
                        "aria-label": t("log"), tabindex: "0" });
  var typing = el("div", { "class": "ww-typing", role: "status" });
  var notice = el("div", { "class": "ww-notice", role: "alert" });
  var input = el("textarea", { id: "ww-input", "class": "ww-input", rows: "1", autocomplete: "off",
                               placeholder: t("placeholder"), "aria-describedby": "ww-hint ww-counter" });
  var counter = el("p", { id: "ww-counter", "class": "ww-counter" });
  var sendButton = el("button", { type: "submit", "class": "ww-send" },
    [icon("M3 20l18-8L3 4v6l12 2-12 2z"), el("span", { "class": "ww-send-label", text: t("send") })]);
  var form = el("form", { "class": "ww-form", novalidate: true }, [
    el("label", { "for": "ww-input", "class": "ww-label", text: t("inputLabel") }),
    el("div", { "class": "ww-input-row" }, [input, sendButton]),
    el("div", { "class": "ww-form-notes" }, [
      el("p", { id: "ww-hint", "class": "ww-hint", text: t("hint") }),
      counter
    ])
  ]);
  var privacyLink = safeLink(new URL("privacy", BASE).href, t("privacy"), true);
  var accessibilityLink = safeLink(new URL("toegankelijkheid", BASE).href, t("accessibility"), true);
  var humanLink = safeLink("{{phone_link}}", "{{phone}}", false);
  var confirmYes = el("button", { type: "button", "class": "ww-confirm-yes", text: t("confirmYes") });
  var confirmNo = el("button", { type: "button", "class": "ww-confirm-no", text: t("confirmNo") });
  var confirmBar = el("div", { "class": "ww-confirm", role: "alertdialog", "aria-labelledby": "ww-confirm-text",
                               hidden: true }, [
    el("p", { id: "ww-confirm-text", "class": "ww-confirm-text", text: t("confirmNew") }),
    el("div", { "class": "ww-confirm-buttons" }, [confirmYes, confirmNo])
  ]);
  var panel = el("section", { id: "ww-panel", "class": "ww-panel", role: "dialog", "aria-labelledby": "ww-title",
                              hidden: true }, [
    el("header", { "class": "ww-header" }, [
      el("div", { "class": "ww-heading" }, [
        el("h2", { id: "ww-title", "class": "ww-title", text: title }),
        el("p", { "class": "ww-subtitle", text: t("subtitle") })
      ]),
      newButton,
      closeButton
    ]),
    confirmBar,
    log,
    typing,
    notice,
    form,
    // Help in one place, the same in every state of the chat (WCAG 3.2.6): a person's phone number, privacy, accessibility.
    el("footer", { "class": "ww-footer" }, [
      el("p", { "class": "ww-disclaimer", text: t("disclaimer") }),
      el("p", { "class": "ww-links" }, [
        el("span", {}, [document.createTextNode(t("human") + " "), humanLink]), privacyLink, accessibilityLink])
    ])
  ]);
  frame.appendChild(panel);
  frame.appendChild(launcher);
  root.appendChild(stylesheet);
  root.appendChild(frame);

  /* ---------- the conversation log ---------- */

  function entryNode(entry) {
    var bubble = el("div", { "class": "ww-bubble" }, [
      el("span", { "class": "ww-sr", text: (entry.from === "user" ? t("you") : t("bot")) + " " }),
      linkified(entry.text || "")
    ]);
    var node = el("div", { "class": "ww-msg ww-msg-" + entry.from, "data-entry": String(entry.id) }, [bubble]);
    if (entry.failed) node.appendChild(el("p", { "class": "ww-state", text: t("notSent") }));
    if (entry.buttons && entry.buttons.length) {
      var group = el("div", { "class": "ww-choices", role: "group", "aria-label": t("choices") });
      entry.buttons.forEach(function (button) {
        var choice = el("button", { type: "button", "class": "ww-choice", text: button.title });
        choice.addEventListener("click", function () { send(button.payload, button.title); });
        group.appendChild(choice);
      });
      node.appendChild(group);
    }
    if (!entry.text) bubble.hidden = true;
    return node;
  }

  function addEntry(entry) {
    entry.id = state.nextId++;
    state.entries.push(entry);
    log.appendChild(entryNode(entry));
    if (entry.from === "user") scrollToEnd(); else scrollToNewestAnswer();
    return entry;
  }

  function markFailed(entryId, failed) {
    var entry = state.entries.filter(function (e) { return e.id === entryId; })[0];
    if (!entry) return;
    entry.failed = failed;
    var node = log.querySelector('[data-entry="' + entryId + '"]');
    if (node) node.replaceWith(entryNode(entry));
  }

  function dropChoices() {
    state.entries.forEach(function (entry) { delete entry.buttons; });
    Array.prototype.forEach.call(log.querySelectorAll(".ww-choices"), function (group) { group.remove(); });
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  /** The newest answer is read from its start: scroll to the end, but never past the first assistant message
   *  after the user's last message (on a phone the welcome says first that this is a computer program). */
  function scrollToNewestAnswer() {
    var nodes = log.querySelectorAll(".ww-msg");
    var first = null;
    for (var i = nodes.length - 1; i >= 0 && nodes[i].classList.contains("ww-msg-bot"); i--) first = nodes[i];
    if (!first) { scrollToEnd(); return; }
    var gap = parseFloat(getComputedStyle(log).paddingTop) || 0;
    log.scrollTop = Math.min(first.offsetTop - gap, log.scrollHeight - log.clientHeight);
  }

  function renderAll() {
    log.textContent = "";
    state.entries.forEach(function (entry) { log.appendChild(entryNode(entry)); });
  }

  /* ---------- sending, with a queue that waits while the server is unreachable ---------- */

  function send(message, shown) {
    clearNotice();
    dropChoices();
    var entry = shown === null ? null : addEntry({ from: "user", text: shown });
    state.outbox.push({ message: message, entryId: entry ? entry.id : null });
    saveState();
    if (entry) input.focus();
    pump();
  }

  function pump() {
    if (busy || paused || !state.outbox.length) return;
    busy = true;
    showTyping(true);
    var item = state.outbox[0];
    var conversation = state;
    post(item.message).then(function (result) {
      if (conversation !== state) return;  // the user started a new conversation meanwhile
      busy = false;
      showTyping(false);
      if (result.kind === "ok") {
        state.outbox.shift();
        markFailed(item.entryId, false);
        if (result.erased) {  // the user's data was erased: so is what the screen and this tab still show
          state.entries = [];
          renderAll();
        }
        result.messages.forEach(function (m) {
          addEntry({ from: "bot", text: typeof m.text === "string" ? m.text : "",
                     buttons: Array.isArray(m.buttons) ? m.buttons : [] });
        });
        if (!result.messages.length) showNotice(t("noAnswer"), false);  // never leave the user in silence
        saveState();
        pump();
      } else if (result.kind === "rejected" || result.kind === "no_answer") {
        // Not sent again by itself: a rejected message would be rejected again, and one without an answer
        // may have reached the assistant (sending it twice could fill in a form answer twice); the user decides.
        state.outbox.shift();
        markFailed(item.entryId, true);
        saveState();
        showNotice(t(result.kind === "rejected" ? "rejected" : "noAnswer"), false);
        pump();
      } else {
        paused = true;
        markFailed(item.entryId, true);
        saveState();
        showNotice(t(result.kind === "rate_limited" ? "rateLimited" : "unreachable"), true);
      }
    });
  }

  function post(message) {
    var controller = window.AbortController ? new AbortController() : null;
    var timedOut = false;
    var timer = controller && setTimeout(function () { timedOut = true; controller.abort(); }, REQUEST_TIMEOUT_MS);
    return fetch(API_URL, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ session: state.session, message: message, language: lang }),
      credentials: "omit",
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (response.ok) {
        return response.json().then(function (data) {
          return { kind: "ok", messages: Array.isArray(data.messages) ? data.messages : [], erased: data.erased === true };
        });
      }
      if (response.status === 429) return { kind: "rate_limited" };
      if (response.status === 504) return { kind: "no_answer" };  // it may have reached the assistant
      if (response.status >= 500) return { kind: "unreachable" };
      return { kind: "rejected" };
    }).catch(function () {
      return { kind: timedOut ? "no_answer" : "unreachable" };
    }).finally(function () {
      if (timer) clearTimeout(timer);
    });
  }

  function retry() {
    paused = false;
    clearNotice();
    input.focus();
    pump();
  }

  function showTyping(on) {
    typing.textContent = "";
    if (!on) return;
    typing.appendChild(el("span", { "class": "ww-dots", "aria-hidden": "true" },
      [el("span"), el("span"), el("span")]));
    typing.appendChild(el("span", { "class": "ww-typing-text", text: t("typing") }));
    scrollToNewestAnswer();
  }

  function showNotice(text, withRetry) {
    notice.textContent = "";
    notice.appendChild(el("p", {}, [linkified(text)]));
    if (withRetry) {
      var button = el("button", { type: "button", "class": "ww-retry", text: t("retry") });
      button.addEventListener("click", retry);
      notice.appendChild(button);
    }
    scrollToNewestAnswer();  // the notice takes room from the log: keep the newest answer in view
  }

  function clearNotice() {
    notice.textContent = "";
  }

  /* ---------- the input ---------- */

  function updateCounter() {
    var count = input.value.length;
    var over = count > MAX_CHARS;
    counter.textContent = count >= COUNTER_FROM ? t(over ? "counterTooLong" : "counter", { count: count }) : "";
    counter.classList.toggle("ww-counter-over", over);
    if (over) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 2, 160) + "px";
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { input.focus(); return; }
    if (text.length > MAX_CHARS) {
      showNotice(t("tooLong"), false);
      input.focus();
      return;
    }
    input.value = "";
    updateCounter();
    send(text, text);
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });
  input.addEventListener("input", updateCounter);

  /* ---------- opening, closing, starting over ---------- */

  function open(moveFocus) {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    frame.classList.add("ww-is-open");
    state.open = true;
    saveState();
    scrollToNewestAnswer();
    if (moveFocus) input.focus();
    if (!state.entries.length && !state.outbox.length) send("/greet", null);
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    frame.classList.remove("ww-is-open");
    state.open = false;
    saveState();
    launcher.focus();
  }

  function startOver() {
    state = freshState();
    state.open = true;
    busy = false;
    paused = false;
    log.textContent = "";
    clearNotice();
    showTyping(false);
    input.value = "";
    updateCounter();
    saveState();
    input.focus();
    send("/greet", null);
  }

  /* "Nieuw gesprek" wipes what is on screen: asked first, in a bar under the header (not a modal). */
  function askStartOver() {
    confirmBar.hidden = false;
    newButton.setAttribute("aria-expanded", "true");
    confirmNo.focus();
  }

  function closeConfirm(focusBack) {
    if (confirmBar.hidden) return;
    confirmBar.hidden = true;
    newButton.setAttribute("aria-expanded", "false");
    if (focusBack) newButton.focus();
  }

  launcher.addEventListener("click", function () { panel.hidden ? open(true) : close(); });
  closeButton.addEventListener("click", close);
  newButton.addEventListener("click", function () { confirmBar.hidden ? askStartOver() : closeConfirm(true); });
  confirmNo.addEventListener("click", function () { closeConfirm(true); });
  confirmYes.addEventListener("click", function () { closeConfirm(false); startOver(); });
  frame.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden) {
      event.preventDefault();
      if (!confirmBar.hidden) closeConfirm(true); else close();
    } else if (event.key === "Tab" && !panel.hidden && fullWindow()) {
      keepFocusInPanel(event);
    }
  });

  /* ---------- focus never hidden behind the widget (WCAG 2.4.11) ---------- */

  var FULL_WINDOW = window.matchMedia("(max-width: 30rem), (max-height: 34rem)");  // as in widget.css

  function fullWindow() {
    return FULL_WINDOW.matches;
  }

  /** The panel fills the window on a phone: the page behind it cannot be seen, so Tab goes round inside it. */
  function keepFocusInPanel(event) {
    var focusable = Array.prototype.filter.call(
      panel.querySelectorAll("button, textarea, a[href], [tabindex='0']"),
      function (node) { return node.getClientRects().length > 0 && !node.disabled; });
    if (!focusable.length) return;
    var first = focusable[0], last = focusable[focusable.length - 1], active = root.activeElement;
    if (event.shiftKey && active === first) { event.preventDefault(); last.focus(); }
    else if (!event.shiftKey && active === last) { event.preventDefault(); first.focus(); }
  }

  function covers(box, rect) {
    return rect.width > 0 && rect.height > 0 && rect.left < box.right && rect.right > box.left &&
      rect.top < box.bottom && rect.bottom > box.top;
  }

  /** Something of the page got the focus behind the launcher or the open panel: scroll it into view above them,
   *  making room at the end of the page when it has none. */
  function revealPageFocus(event) {
    var target = event.target;
    if (!(target instanceof Element) || target === host || (fullWindow() && !panel.hidden)) return;
    var rect = target.getBoundingClientRect();
    var covering = [launcher, panel].filter(function (node) { return node.getClientRects().length > 0; })
      .map(function (node) { return node.getBoundingClientRect(); })
      .filter(function (box) { return covers(box, rect); });
    if (!covering.length) return;
    var top = Math.min.apply(null, covering.map(function (box) { return box.top; }));
    var needed = Math.ceil(rect.bottom - top + 16);
    var page = document.scrollingElement || document.documentElement;
    var room = page.scrollHeight - window.innerHeight - window.scrollY;
    if (room < needed) {
      var padding = parseFloat(getComputedStyle(document.body).paddingBottom) || 0;
      document.body.style.paddingBottom = padding + needed - room + "px";
    }
    window.scrollBy({ top: needed, left: 0, behavior: "instant" });
  }

  document.addEventListener("focusin", revealPageFocus);

  /* ---------- start: restore what this tab had ---------- */

  renderAll();
  updateCounter();
  // A message the user typed was on its way when the page went away: show it as not sent and let
  // the user send it again (it may have arrived, so it is not resent without asking).
  var unsent = state.outbox.filter(function (item) { return item.entryId; });
  if (unsent.length) {
    paused = true;
    unsent.forEach(function (item) { markFailed(item.entryId, true); });
    showNotice(t("pending"), true);
  }

  function mount() {
    document.body.appendChild(host);
    if (state.open) open(false);
    pump();
  }

  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
