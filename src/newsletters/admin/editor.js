// Live preview for the issue form: as the marketer types, the two frames show
// the email (the form is posted to /admin/newsletters/render into each frame,
// which carries the email's own security policy) and the panel beside them
// shows the subject, size, text part, headers and any problem or health claim.
(function () {
  var form = document.getElementById('issue-form');
  if (!form) return;
  var token = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';
  var timer = null;

  function postInto(target) {
    var clone = document.createElement('form');
    clone.method = 'post';
    clone.action = '/admin/newsletters/render';
    clone.target = target;
    clone.hidden = true;
    new FormData(form).forEach(function (value, name) {
      var input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      input.value = String(value);
      clone.appendChild(input);
    });
    document.body.appendChild(clone);
    clone.submit();
    clone.remove();
  }

  function text(id, value) {
    var el = document.getElementById(id);
    if (el) el.textContent = value;
  }

  function list(parent, items) {
    var ul = document.createElement('ul');
    items.forEach(function (item) {
      var li = document.createElement('li');
      li.textContent = item.text;
      if (item.bad) li.className = 'error-text';
      ul.appendChild(li);
    });
    parent.appendChild(ul);
  }

  function update() {
    postInto('preview-desktop');
    postInto('preview-mobile');
    fetch('/admin/newsletters/preview', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': token, accept: 'application/json' },
      body: new URLSearchParams(new FormData(form)),
      credentials: 'same-origin',
    })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        var status = document.getElementById('preview-status');
        if (!status) return;
        status.textContent = '';
        if (!p.ok) {
          list(status, p.problems.map(function (x) { return { text: 'Line ' + x.line + ', ' + x.field + ': ' + x.message, bad: true }; }));
          text('pv-text', '');
          return;
        }
        var head = document.createElement('p');
        head.textContent = 'Subject: ' + p.subject + ' · Preview text: ' + p.preheader;
        status.appendChild(head);
        var size = document.createElement('p');
        var kb = (p.htmlBytes / 1024).toFixed(1);
        size.textContent = 'HTML size ' + kb + ' KB of Gmail\u2019s 102 KB clipping limit' + (p.htmlBytes > 102 * 1024 ? ': Gmail will clip this email.' : '.');
        status.appendChild(size);
        if (p.claims.length === 0) {
          var none = document.createElement('p');
          none.textContent = 'No absolute health claims found.';
          status.appendChild(none);
        } else {
          list(status, p.claims.map(function (c) {
            return { text: 'Line ' + c.line + ': health claim \u201c' + c.phrase + '\u201d (' + c.claim + ')' + (c.acknowledged ? ', acknowledged' : ': ' + c.advice + ', or acknowledge \u201c' + c.claim + '\u201d.'), bad: !c.acknowledged };
          }));
        }
        text('pv-text', p.text);
        var dl = document.getElementById('pv-headers');
        if (dl) {
          dl.textContent = '';
          Object.keys(p.headers).forEach(function (k) {
            var dt = document.createElement('dt');
            dt.textContent = k;
            var dd = document.createElement('dd');
            dd.textContent = p.headers[k];
            dl.appendChild(dt);
            dl.appendChild(dd);
          });
        }
      })
      .catch(function () { text('preview-status', 'The preview could not be refreshed; save to see it.'); });
  }

  form.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(update, 400);
  });
  // A new issue has nothing saved to show: draw the starter text at once.
  if (!document.querySelector('iframe[name="preview-desktop"]').getAttribute('src') || document.querySelector('iframe[name="preview-desktop"]').getAttribute('src') === 'about:blank') update();
})();
