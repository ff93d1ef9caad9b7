// The family page's day: a slider between the family's first recorded entry and today, and
// a date box kept in step with it. Choosing a day fetches the family page as the server
// renders it "as recorded at" the end of that day (the same HTML as a page load) and puts
// its journey panel and timeline in place of the old ones; the journey picture follows,
// as its address names the day. Without JavaScript the form does the same with a reload.
(function () {
  "use strict";

  const form = document.getElementById("as-of-form");
  const slider = document.getElementById("as-of");
  const box = document.getElementById("as-of-date");
  const label = document.getElementById("as-of-label");
  const journey = document.getElementById("journey-panel");
  const region = document.getElementById("timeline");
  const status = document.getElementById("as-of-status");  // read out by screen readers
  if (!form || !slider || !box || !label || !journey || !region || !status) {
    return;
  }
  const DAY = 24 * 60 * 60 * 1000;
  const first = Date.parse(slider.dataset.firstDay + "T00:00:00Z");
  const longDate = new Intl.DateTimeFormat("en-GB", {
    day: "numeric", month: "long", year: "numeric", timeZone: "UTC",
  });
  let shown = region.querySelector("[data-as-of]")?.dataset.asOf;
  let inFlight = null;
  let timer = null;

  function sliderDay() {
    return new Date(first + Number(slider.value) * DAY).toISOString().slice(0, 10);
  }

  function isToday(day) {
    return day >= box.max;
  }

  function showLabel(day) {
    const text = longDate.format(Date.parse(day + "T00:00:00Z")) + (isToday(day) ? " (today)" : "");
    label.textContent = text;
    slider.setAttribute("aria-valuetext", text);
  }

  function problem(message, link) {
    const note = document.createElement("p");
    note.className = "problem";
    note.append(message + " ");
    if (link) {
      const a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      note.append(a);
    }
    region.replaceChildren(note);
    status.textContent = note.textContent;
  }

  // The panels stay where they are (and so do references to them); their contents change.
  function refill(page, region) {
    const fresh = page.getElementById(region.id);
    if (fresh) {
      region.replaceChildren(...Array.from(fresh.childNodes, (node) => document.importNode(node, true)));
    }
  }

  async function load(day) {
    if (inFlight) {
      inFlight.abort();  // another day was chosen since: its answer is the one to show
      inFlight = null;
      region.removeAttribute("aria-busy");
    }
    if (day === shown) {
      return;
    }
    const controller = new AbortController();
    inFlight = controller;
    region.setAttribute("aria-busy", "true");
    const address = new URL(window.location.href);
    if (isToday(day)) {
      address.searchParams.delete("as_recorded_at");
    } else {
      address.searchParams.set("as_recorded_at", day);
    }
    try {
      // The reason the page was opened for stays in its address: each replay is logged with it.
      const response = await fetch(address, {
        credentials: "same-origin", signal: controller.signal, headers: { Accept: "text/html" },
      });
      if (response.redirected || response.status === 401) {
        const back = encodeURIComponent(window.location.pathname + window.location.search);
        problem("Your session has ended.", { href: "/session?next=" + back, text: "Sign in again" });
        shown = undefined;
        return;
      }
      if (!response.ok) {
        problem("The record for " + day + " could not be loaded (" + response.status + ").");
        shown = undefined;
        return;
      }
      // Rendered and escaped by the server; parsed inertly (no script runs) and moved in.
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      refill(page, journey);
      refill(page, region);
      const print = document.getElementById("print-link");
      const printFresh = page.getElementById("print-link");
      if (print && printFresh) {
        print.href = printFresh.getAttribute("href");
      }
      shown = day;
      status.textContent = region.querySelector("#timeline-count")?.textContent ?? "";
      window.history.replaceState(null, "", address);
    } catch (error) {
      if (error.name !== "AbortError") {
        problem("The record could not be loaded; check the connection and try again.");
        shown = undefined;
      }
    } finally {
      if (inFlight === controller) {
        inFlight = null;
        region.removeAttribute("aria-busy");
      }
    }
  }

  slider.addEventListener("input", function () {
    const day = sliderDay();
    box.value = day;
    showLabel(day);
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { load(day); }, 150);  // while dragging, load where it rests
  });
  slider.addEventListener("change", function () {
    const day = sliderDay();
    box.value = day;
    showLabel(day);
    window.clearTimeout(timer);
    load(day);
  });

  function fromBox() {
    if (!box.value || !box.checkValidity()) {
      return;  // half typed, or outside the family's record: the browser says so on submit
    }
    const day = box.value;
    slider.value = String(Math.round((Date.parse(day + "T00:00:00Z") - first) / DAY));
    showLabel(day);
    window.clearTimeout(timer);
    load(day);
  }
  box.addEventListener("change", fromBox);
  form.addEventListener("submit", function (event) {
    if (box.checkValidity()) {
      event.preventDefault();
      fromBox();
    }
  });
})();
