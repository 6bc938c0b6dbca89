// The /outbox page script: local times, the email frame sized to its content,
// and new mail appearing without a refresh (server-sent events).
(function () {
  'use strict';
  var format = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

  // Times arrive in UTC; show them in the viewer's own zone, keep UTC as the tooltip.
  function localise(root) {
    var times = root.querySelectorAll('time[datetime]');
    for (var i = 0; i < times.length; i++) {
      var t = times[i];
      var d = new Date(t.getAttribute('datetime'));
      if (isNaN(d.getTime()) || t.hasAttribute('data-local')) continue;
      t.title = t.textContent;
      t.textContent = format.format(d);
      t.setAttribute('data-local', '');
    }
  }
  localise(document);

  // The email is same-origin (sandboxed without scripts), so its height can be read.
  var frame = document.querySelector('iframe.ob-email');
  if (frame) {
    var fit = function () {
      try {
        var doc = frame.contentDocument;
        if (!doc || !doc.documentElement) return;
        var h = Math.max(doc.documentElement.scrollHeight, doc.body ? doc.body.scrollHeight : 0);
        if (h > 0) frame.style.height = h + 'px';
      } catch (e) { /* not readable: keep the scrolling frame */ }
    };
    frame.addEventListener('load', function () {
      fit();
      try {
        // Late images change the height; follow them.
        new ResizeObserver(fit).observe(frame.contentDocument.body);
      } catch (e) { /* older browsers: one fit on load */ }
    });
    if (frame.contentDocument && frame.contentDocument.readyState === 'complete') fit();
  }

  var list = document.getElementById('ob-list');
  var live = document.getElementById('ob-live');
  if (!list || !('EventSource' in window)) return;
  var fresh = 0;
  var busy = false;
  function reload(newFiles) {
    if (busy) return;
    busy = true;
    fetch(location.href, { headers: { accept: 'text/html' }, cache: 'no-store' })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, 'text/html').getElementById('ob-list');
        if (!next) return;
        list.replaceChildren.apply(list, Array.prototype.slice.call(next.childNodes));
        localise(list);
        var del = document.querySelector('form[action="/outbox/delete-all"] button');
        if (del) del.disabled = list.querySelector('.ob-list') === null;
        (newFiles || []).forEach(function (f) {
          var a = list.querySelector('a[href="/outbox/' + f + '"]');
          if (a) a.parentNode.classList.add('ob-new');
        });
      })
      .catch(function () { /* the next event tries again */ })
      .then(function () { busy = false; });
  }
  var events = new EventSource('/outbox/events');
  // The stream opens once the server knows the current files; mail after that is announced.
  events.addEventListener('open', function () { list.setAttribute('data-live', 'on'); });
  events.addEventListener('error', function () { list.setAttribute('data-live', 'reconnecting'); });
  events.addEventListener('mail', function (e) {
    var files = [];
    try { files = JSON.parse(e.data).files || []; } catch (err) { /* ignore */ }
    fresh += files.length;
    if (live) live.textContent = fresh + (fresh === 1 ? ' new email' : ' new emails');
    reload(files);
  });
  events.addEventListener('cleared', function () {
    fresh = 0;
    if (live) live.textContent = 'Outbox emptied';
    reload([]);
  });
})();
