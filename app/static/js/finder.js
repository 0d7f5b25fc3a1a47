/* The finder's extras when JavaScript runs: "Use my location", and the shortlist panel (add results, reorder them,
   a note per place, share through POST /api/v1/shortlists). The page works without it: the form is a plain GET
   form and the ticked results can be shared by a plain POST form, which this script replaces by the panel.

   The shortlist is kept in sessionStorage (this tab only), so it survives new searches. Data goes into the page
   with textContent and setAttribute only, never as HTML. */
(function () {
  "use strict";

  var KEY = "assetmap.finder.shortlist";
  var MAX_ITEMS = 30;

  var el = window.AssetMapDom.el;  /* dom.js */
  var _ = window.AssetMapDom.t;

  function $(id) { return document.getElementById(id); }

  /* ---- Use my location ---- */

  function setUpLocation() {
    var button = $("use-location");
    if (!button || !navigator.geolocation) return;
    var status = $("location-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = _("Finding your location…");
      navigator.geolocation.getCurrentPosition(function (position) {
        $("lat").value = position.coords.latitude.toFixed(5);
        $("lon").value = position.coords.longitude.toFixed(5);
        $("postcode").value = "";
        status.textContent = _("Searching around your location…");
        $("finder-form").submit();
      }, function () {
        status.textContent = _("Your location is not available: type a postcode instead.");
      }, { timeout: 10000, maximumAge: 60000 });
    });
    $("postcode").addEventListener("input", function () { $("lat").value = ""; $("lon").value = ""; });
  }

  /* ---- The shortlist ---- */

  function load() {
    try {
      var saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
      if (saved && Array.isArray(saved.items)) return { title: String(saved.title || ""), items: saved.items };
    } catch (e) { /* a damaged entry starts a new list */ }
    return { title: "", items: [] };
  }

  function Shortlist(panel) {
    this.panel = panel;
    this.state = load();
    this.list = $("shortlist-items");
    this.status = $("shortlist-status");
    this.error = $("shortlist-error");
    this.send = $("shortlist-send");
    this.title = $("shortlist-title");
    this.result = $("shortlist-result");
    this.buttons = {};
    var self = this;
    this.title.value = this.state.title;
    this.title.addEventListener("input", function () { self.state.title = self.title.value; self.save(); });
    this.send.addEventListener("click", function () { self.share(); });
    $("shortlist-clear").addEventListener("click", function () {
      self.state.items = [];
      self.changed(_("The shortlist is empty."));
      self.title.focus();
    });
    var nojs = $("nojs-share");
    if (nojs) nojs.hidden = true;
    Array.prototype.forEach.call(document.querySelectorAll(".finder-result"), function (item) { self.addButton(item); });
    panel.hidden = false;
    this.render();
  }

  Shortlist.prototype.save = function () {
    try { sessionStorage.setItem(KEY, JSON.stringify(this.state)); } catch (e) { /* private mode: kept in memory only */ }
  };

  Shortlist.prototype.indexOf = function (id) {
    for (var i = 0; i < this.state.items.length; i++) if (this.state.items[i].id === id) return i;
    return -1;
  };

  /* Replaces a result's no-JavaScript tick box with an "Add to shortlist" toggle button. */
  Shortlist.prototype.addButton = function (item) {
    var self = this;
    var id = item.getAttribute("data-id"), name = item.getAttribute("data-name");
    var pick = item.querySelector(".pick");
    pick.textContent = "";
    var button = el("button", { type: "button", className: "secondary add-to-shortlist", "aria-pressed": "false" });
    button.addEventListener("click", function () {
      var at = self.indexOf(id);
      if (at >= 0) {
        self.state.items.splice(at, 1);
        self.changed(_("{name} removed from the shortlist.", { name: name }));
      } else if (self.state.items.length >= MAX_ITEMS) {
        self.status.textContent = _("A shortlist can hold {max} places at most.", { max: MAX_ITEMS });
      } else {
        self.state.items.push({ id: id, name: name, note: "" });
        self.changed(_("{name} added to the shortlist.", { name: name }));
      }
    });
    pick.appendChild(button);
    this.buttons[id] = { button: button, name: name };
  };

  Shortlist.prototype.changed = function (message) {
    this.save();
    this.render();
    var count = this.state.items.length;
    this.status.textContent = message + " " + (count === 1 ? _("1 place on it.") : _("{n} places on it.", { n: count }));
    this.result.hidden = true;
  };

  Shortlist.prototype.move = function (index, by, control) {
    var items = this.state.items, to = index + by;
    if (to < 0 || to >= items.length) return;
    var moved = items.splice(index, 1)[0];
    items.splice(to, 0, moved);
    this.changed(_("{name} moved to number {n}.", { name: moved.name, n: to + 1 }));
    var again = this.list.children[to].querySelector("[data-control='" + control + "']");
    if (again && !again.disabled) again.focus();
    else this.list.children[to].querySelector("button").focus();
  };

  Shortlist.prototype.render = function () {
    var self = this, items = this.state.items;
    this.list.textContent = "";
    items.forEach(function (item, index) {
      var noteId = "shortlist-note-" + index;
      var note = el("textarea", { id: noteId, rows: 2, maxlength: 280 });
      note.value = item.note || "";
      note.addEventListener("input", function () { item.note = note.value; self.save(); });
      function control(kind, text, label, disabled, action) {
        var button = el("button", { type: "button", className: "secondary", "aria-label": label, "data-control": kind, disabled: disabled }, text);
        button.addEventListener("click", action);
        return button;
      }
      self.list.appendChild(el("li", { "data-id": item.id },
        el("p", { className: "name" }, (index + 1) + ". " + item.name),
        el("div", { className: "controls" },
          control("up", _("Up"), _("Move {name} up", { name: item.name }), index === 0, function () { self.move(index, -1, "up"); }),
          control("down", _("Down"), _("Move {name} down", { name: item.name }), index === items.length - 1, function () { self.move(index, 1, "down"); }),
          control("remove", _("Remove"), _("Remove {name} from the shortlist", { name: item.name }), false, function () {
            items.splice(index, 1);
            self.changed(_("{name} removed from the shortlist.", { name: item.name }));
            var next = self.list.children[Math.min(index, items.length - 1)];
            (next ? next.querySelector("button") : $("shortlist-heading")).focus();
          })),
        el("label", { for: noteId }, _("Note about {name}", { name: item.name }) + " ", el("span", { className: "hint" }, _("(optional, no names)"))),
        note));
    });
    if (!items.length) this.list.appendChild(el("li", { className: "hint" }, _("Nothing yet: use “Add to shortlist” on the results.")));
    this.send.disabled = !items.length;
    Object.keys(this.buttons).forEach(function (id) {
      var entry = self.buttons[id], on = self.indexOf(id) >= 0;
      entry.button.setAttribute("aria-pressed", String(on));
      entry.button.textContent = "";
      entry.button.appendChild(document.createTextNode(on ? _("On the shortlist (remove)") : _("Add to shortlist")));
      entry.button.appendChild(el("span", { className: "visually-hidden" }, ": " + entry.name));
    });
  };

  /* The API's message, naming the place (by its name in the panel) when one item is the problem. */
  Shortlist.prototype.explain = function (data) {
    var field = data.errors && data.errors[0] && data.errors[0].field;
    var match = /^items\.(\d+)\./.exec(field || "");
    var item = match && this.state.items[Number(match[1])];
    return item ? item.name + ": " + data.detail : data.detail;
  };

  Shortlist.prototype.share = function () {
    var self = this;
    this.error.hidden = true;
    this.send.disabled = true;
    var body = {
      title: this.state.title.trim() || null,
      items: this.state.items.map(function (item) { return { asset_id: item.id, note: (item.note || "").trim() || null }; }),
    };
    // The API answers its messages in the language asked for: the page's.
    var headers = { "Content-Type": "application/json", Accept: "application/json", "Accept-Language": document.documentElement.lang };
    fetch("/api/v1/shortlists", { method: "POST", headers: headers, body: JSON.stringify(body) })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) throw new Error(self.explain(data) || _("The shortlist could not be shared (error {status}).", { status: response.status }));
          return data;
        });
      })
      .then(function (data) {
        var link = $("shortlist-link");
        link.href = data.url;
        link.textContent = data.url;
        $("shortlist-qr").src = "/s/" + encodeURIComponent(data.code) + "/qr.svg";
        self.result.hidden = false;
        self.status.textContent = _("Shared. The link and its QR code are below.");
        self.result.focus();
      })
      .catch(function (error) {
        self.error.textContent = error.message;
        self.error.hidden = false;
      })
      .then(function () { self.send.disabled = !self.state.items.length; });
  };

  var summary = $("error-summary");
  if (summary) summary.focus();
  setUpLocation();
  var panel = $("shortlist-panel");
  if (panel) new Shortlist(panel);
})();
