// Display board: listens for calls (server-sent events), shows and speaks them in Indonesian, refreshes
// the line lengths, and rotates the information slides between calls. Self-hosted, no inline script.
(function () {
  "use strict";
  var body = document.body;
  var voice = false;
  var slides = [];
  var slideIndex = 0;

  function text(selector, value) {
    var node = document.querySelector(selector);
    if (node) node.textContent = value;
  }

  function speak(sentence) {
    if (!voice || !("speechSynthesis" in window)) return;
    var utterance = new SpeechSynthesisUtterance(sentence);
    utterance.lang = "id-ID";
    utterance.rate = 0.9;
    var indonesian = window.speechSynthesis.getVoices().filter(function (v) { return /^id/i.test(v.lang); })[0];
    if (indonesian) utterance.voice = indonesian;
    window.speechSynthesis.speak(utterance);
  }

  function refreshLines() {
    fetch(body.dataset.state, { headers: { accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) {
        if (!state) return;
        var list = document.querySelector("[data-lines]");
        list.textContent = "";
        state.lines.filter(function (l) { return l.waiting > 0; }).forEach(function (l) {
          var item = document.createElement("li");
          var strong = document.createElement("strong");
          strong.textContent = l.prefix;
          item.appendChild(strong);
          item.appendChild(document.createTextNode(" " + l.agency + ": " + l.waiting));
          list.appendChild(item);
        });
      })
      .catch(function () {});
  }

  function showCall(call) {
    var number = document.querySelector("[data-now-number]");
    var previous = number.textContent.trim();
    var previousCounter = document.querySelector("[data-now-counter]").textContent.trim();
    if (previous && previous !== "—" && previous !== call.number) {
      var recent = document.querySelector("[data-recent]");
      var item = document.createElement("li");
      var strong = document.createElement("strong");
      strong.textContent = previous;
      item.appendChild(strong);
      item.appendChild(document.createTextNode(" " + previousCounter));
      recent.insertBefore(item, recent.firstChild);
      while (recent.children.length > 6) recent.removeChild(recent.lastChild);
    }
    number.textContent = call.number;
    text("[data-now-counter]", call.counter);
    text("[data-now-counter-name]", call.counter_name);
    number.classList.remove("flash");
    void number.offsetWidth;
    number.classList.add("flash");
    body.dataset.lastCall = call.number + "@" + call.counter;
    speak(call.speech);
    refreshLines();
  }

  function rotate() {
    if (slides.length < 2) return;
    slides[slideIndex].classList.remove("is-shown");
    slideIndex = (slideIndex + 1) % slides.length;
    slides[slideIndex].classList.add("is-shown");
  }

  document.addEventListener("DOMContentLoaded", function () {
    slides = Array.prototype.slice.call(document.querySelectorAll(".slide"));
    window.setInterval(rotate, 12000);
    var button = document.querySelector("[data-sound]");
    button.addEventListener("click", function () {
      voice = !voice;
      button.setAttribute("aria-pressed", voice ? "true" : "false");
      if (voice) speak("Suara panggilan aktif.");
    });
    var events = new EventSource(body.dataset.events);
    events.addEventListener("ready", function () { body.dataset.listening = "yes"; });
    events.addEventListener("call", function (event) { showCall(JSON.parse(event.data)); });
  });
})();
