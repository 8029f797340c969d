// Pages render again from the address whenever a choice changes it, which
// replaces the control a keyboard user was on. Put focus back on the control
// with the same id, so Tab order and place survive a choice.
(function () {
  let lastId = null;
  let lastEl = null;
  let lastValue = null;
  const focusable = "input, button, select, textarea, a[href], [tabindex]:not([tabindex='-1'])";
  document.addEventListener("focusin", function (e) {
    const holder = e.target.closest("[id]");
    lastEl = e.target;
    lastValue = e.target.matches("input[type=radio], input[type=checkbox]") ? e.target.value : null;
    lastId = holder ? holder.id : null;
  });
  new MutationObserver(function () {
    if (!lastId || !lastEl || lastEl.isConnected) return;
    const active = document.activeElement;
    if (active && active !== document.body) return;
    const holder = document.getElementById(lastId);
    if (!holder) return;
    const same = lastValue === null ? null
      : Array.from(holder.querySelectorAll("input")).find(function (i) { return i.value === lastValue; });
    const target = same || (holder.matches(focusable) ? holder : holder.querySelector(focusable));
    lastEl = null;
    if (target) target.focus({ preventScroll: true });
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
