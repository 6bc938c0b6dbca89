// The check-inbox page is the answer to the signup form's POST. Point the
// address bar at /check-inbox, so that reloading shows the page again instead
// of sending the form a second time. Without JavaScript the browser asks first.
(function () {
  try {
    if (window.history && history.replaceState && location.pathname !== '/check-inbox') history.replaceState(null, '', '/check-inbox');
  } catch (e) { /* older browsers: reloading asks before re-sending */ }
})();
