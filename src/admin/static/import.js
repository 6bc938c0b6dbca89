// Uploads the chosen CSV as the request body and shows progress, then the result.
(function () {
  var form = document.getElementById('import-form');
  if (!form) return;
  var box = document.getElementById('import-progress');
  var bar = document.getElementById('import-bar');
  var out = document.getElementById('import-result');
  function text(tag, value, cls) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (cls) el.className = cls;
    return el;
  }
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var file = form.elements.file.files[0];
    if (!file) return;
    var params = new URLSearchParams({ name: file.name });
    var source = form.elements.consentSource.value.trim();
    if (source) {
      params.set('consentSource', source);
      params.set('consentedAt', form.elements.consentedAt.value);
    }
    var xhr = new XMLHttpRequest();
    xhr.open('POST', '/admin/import?' + params.toString());
    xhr.setRequestHeader('content-type', 'text/csv');
    xhr.setRequestHeader('x-csrf-token', form.getAttribute('data-csrf'));
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
    };
    box.hidden = false;
    out.textContent = '';
    form.querySelector('button').disabled = true;
    xhr.onloadend = function () {
      form.querySelector('button').disabled = false;
      box.hidden = true;
      var body;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = { ok: false, error: { message: 'The server did not answer (' + xhr.status + ').' } }; }
      if (!body.ok) {
        out.appendChild(text('div', body.error.message, 'notice error'));
        return;
      }
      var r = body.result;
      out.appendChild(text('div', r.rows + ' rows: ' + r.created + ' added, ' + r.unchanged + ' already known (unchanged), ' + r.erased + ' erased earlier (not re-added), ' + r.errors + ' with errors.', r.errors ? 'notice info' : 'notice ok'));
      if (r.errorList.length) {
        var list = document.createElement('ul');
        list.className = 'import-errors';
        r.errorList.forEach(function (e) { list.appendChild(text('li', 'Line ' + e.line + ': ' + e.message)); });
        out.appendChild(list);
      }
    };
    xhr.send(file);
  });
})();
