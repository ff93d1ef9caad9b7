// The family page's date slider: it picks a day between the family's first recorded entry
// and today; the timeline is then fetched as the server renders it "as recorded at" the
// end of that day (the same HTML as the first page load) and put in place of the old one.
// Without JavaScript the page still shows today's record and a date form.
(function () {
  "use strict";

  const slider = document.getElementById("as-of");
  const label = document.getElementById("as-of-label");
  const region = document.getElementById("timeline");
  const status = document.getElementById("as-of-status");  // read out by screen readers
  if (!slider || !label || !region || !status) {
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

  function chosenDay() {
    return new Date(first + Number(slider.value) * DAY).toISOString().slice(0, 10);
  }

  function showLabel() {
    const today = slider.value === slider.max;
    const text = longDate.format(Date.parse(chosenDay() + "T00:00:00Z")) + (today ? " (today)" : "");
    label.textContent = text;
    slider.setAttribute("aria-valuetext", text);
  }

  function problem(message, link) {
    const box = document.createElement("p");
    box.className = "problem";
    box.append(message + " ");
    if (link) {
      const a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      box.append(a);
    }
    region.replaceChildren(box);
    status.textContent = box.textContent;
  }

  async function load() {
    const day = chosenDay();
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
    try {
      let url = slider.dataset.fragment + "?as_recorded_at=" + encodeURIComponent(day);
      // The reason the page was opened for is the reason for each replay (the access log).
      const reason = new URL(window.location.href).searchParams.get("reason");
      if (reason) {
        url += "&reason=" + encodeURIComponent(reason);
      }
      const response = await fetch(url, {
        credentials: "same-origin", signal: controller.signal, headers: { Accept: "text/html" },
      });
      if (response.redirected || response.status === 401) {
        const back = encodeURIComponent(window.location.pathname + window.location.search);
        problem("Your session has ended.", { href: "/session?next=" + back, text: "Sign in again" });
        shown = undefined;
        return;
      }
      if (!response.ok) {
        problem("The timeline for " + day + " could not be loaded (" + response.status + ").");
        shown = undefined;
        return;
      }
      region.innerHTML = await response.text();  // rendered and escaped by the server
      shown = day;
      status.textContent = region.querySelector("#timeline-count")?.textContent ?? "";
      const page = new URL(window.location.href);
      if (slider.value === slider.max) {
        page.searchParams.delete("as_recorded_at");
      } else {
        page.searchParams.set("as_recorded_at", day);
      }
      window.history.replaceState(null, "", page);
    } catch (error) {
      if (error.name !== "AbortError") {
        problem("The timeline could not be loaded; check the connection and try again.");
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
    showLabel();
    window.clearTimeout(timer);
    timer = window.setTimeout(load, 150);  // while dragging, load where it rests
  });
  slider.addEventListener("change", function () {
    showLabel();
    window.clearTimeout(timer);
    load();
  });
})();
