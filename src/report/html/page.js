// cargo domains report: draws the reference lists and module matrices from the JSON in
// #report-data. Names only ever reach the page through textContent, never as markup.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function plural(n, one, many) { return n + ' ' + (n === 1 ? one : many); }
  function link(path, line) {
    var base = data.source_url;
    if (!base) return null;
    var enc = path.split('/').map(encodeURIComponent).join('/');
    if (base.indexOf('{path}') >= 0) return base.split('{path}').join(enc).split('{line}').join(String(line));
    return base.replace(/\/+$/, '') + '/' + enc + '#L' + line;
  }

  function showRefs(key) {
    var pair = data.pairs[key];
    if (!pair) return;
    var ab = key.split(',');
    var a = data.domains[+ab[0]], b = data.domains[+ab[1]];
    var box = document.getElementById('refs');
    box.textContent = '';
    box.appendChild(el('h3', null, a + ' \u2192 ' + b + ': ' + plural(pair.n, 'reference', 'references')));
    var t = el('table', 'reftable');
    t.id = 'refs-table';
    var head = el('tr');
    ['location', 'from module', 'item', 'rules'].forEach(function (x) { head.appendChild(el('th', null, x)); });
    t.appendChild(head);
    pair.refs.forEach(function (r) {
      var tr = el('tr', r[5] || null);
      var loc = data.files[r[0]] + ':' + r[1] + ':' + r[2];
      var td = el('td', 'loc');
      var href = link(data.files[r[0]], r[1]);
      if (href) { var x = el('a', null, loc); x.href = href; td.appendChild(x); } else td.textContent = loc;
      tr.appendChild(td);
      tr.appendChild(el('td', null, data.modules[r[3]]));
      tr.appendChild(el('td', null, r[4]));
      tr.appendChild(el('td', null, r[5]));
      t.appendChild(tr);
    });
    box.appendChild(t);
    if (pair.n > pair.refs.length) {
      box.appendChild(el('p', 'hint', '\u2026 and ' + (pair.n - pair.refs.length) +
        ' more: `cargo domains explain ' + a + ' ' + b + '` lists them all'));
    }
  }

  function openModules(d) {
    var mm = data.module_matrices[d];
    if (!mm) return;
    var name = data.domains[d];
    var n = mm.modules.length;
    var box = document.getElementById('module-dsm');
    box.textContent = '';
    box.appendChild(el('h3', null, name + ': ' + plural(n, 'module', 'modules') + ', ' +
      plural(mm.blocks.length, 'cycle group', 'cycle groups') + ', ' +
      plural(mm.cut.length, 'dependency', 'dependencies') + ' to cut'));
    if (n === 0) { box.appendChild(el('p', 'hint', 'No module of this domain is analysed.')); return; }
    var cell = new Map(), cut = new Set(), blk = new Array(n);
    mm.cells.forEach(function (c) { cell.set(c[0] * n + c[1], c[2]); });
    mm.cut.forEach(function (c) { cut.add(c[0] * n + c[1]); });
    mm.blocks.forEach(function (b) { for (var k = b[0]; k < b[0] + b[1]; k++) blk[k] = b; });
    var t = el('table', 'dsm');
    t.id = 'module-dsm-table';
    t.setAttribute('data-domain', name);
    var frag = document.createDocumentFragment();
    var head = el('tr');
    head.appendChild(el('th', 'corner', 'uses \u2192'));
    for (var c = 0; c < n; c++) {
      var th = el('th', 'colh', String(c + 1));
      th.title = data.modules[mm.modules[c]];
      head.appendChild(th);
    }
    frag.appendChild(head);
    for (var r = 0; r < n; r++) {
      var tr = el('tr');
      var from = data.modules[mm.modules[r]];
      tr.appendChild(el('th', 'rowh', (r + 1) + '. ' + from));
      for (c = 0; c < n; c++) {
        var cls = 'c' + (r === c ? ' diag' : (c > r ? ' up' : ''));
        var k = r * n + c;
        if (cut.has(k)) cls += ' cut';
        var b = blk[r];
        if (b && blk[c] === b) {
          cls += ' blk';
          if (r === b[0]) cls += ' bt';
          if (r === b[0] + b[1] - 1) cls += ' bb';
          if (c === b[0]) cls += ' bl';
          if (c === b[0] + b[1] - 1) cls += ' br';
        }
        var td = el('td', cls);
        var v = cell.get(k);
        if (v !== undefined && r !== c) {
          td.textContent = String(v);
          td.title = from + ' \u2192 ' + data.modules[mm.modules[c]] + ': ' + plural(v, 'reference', 'references');
        }
        tr.appendChild(td);
      }
      frag.appendChild(tr);
    }
    t.appendChild(frag);
    var wrap = el('div', 'scroll');
    wrap.appendChild(t);
    box.appendChild(wrap);
  }

  document.getElementById('domain-dsm').addEventListener('click', function (ev) {
    var a = ev.target.closest('a[data-pair]');
    if (a) {
      ev.preventDefault();
      showRefs(a.getAttribute('data-pair'));
      document.getElementById('refs').scrollIntoView();
      return;
    }
    var b = ev.target.closest('button[data-domain]');
    if (b) {
      openModules(+b.getAttribute('data-domain'));
      document.getElementById('modules').scrollIntoView();
    }
  });

  // `#module=DOMAIN` opens that domain's module matrix, `#refs=FROM,TO` a cell's references.
  var hash = decodeURIComponent(location.hash.slice(1));
  if (hash.indexOf('module=') === 0) {
    var d = data.domains.indexOf(hash.slice(7));
    if (d >= 0) openModules(d);
  } else if (hash.indexOf('refs=') === 0) {
    var names = hash.slice(5).split(',');
    var key = data.domains.indexOf(names[0]) + ',' + data.domains.indexOf(names[1]);
    showRefs(key);
  }

  var root = document.documentElement;
  root.setAttribute('data-render-ms', String(Math.round(performance.now())));
  if (window.__errors.length === 0) root.setAttribute('data-status', 'rendered');
})();
