// Draws the overview's 30-day chart with chart.js (served by Meridian; CSP script-src 'self').
(function () {
  var data = document.getElementById('daily-data');
  var canvas = document.getElementById('daily-chart');
  if (!data || !canvas || typeof Chart === 'undefined') return;
  var chart = JSON.parse(data.textContent || '{}');
  var colours = ['#1f6f5c', '#2b6cb0', '#b7791f', '#c53030', '#6b46c1'];
  var dark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
  var text = dark ? '#eef2f1' : '#1d2a2a';
  var grid = dark ? '#3a4745' : '#e2e8e6';
  new Chart(canvas, {
    type: 'line',
    data: {
      labels: chart.labels,
      datasets: chart.series.map(function (s, i) {
        return { label: s.label, data: s.data, borderColor: colours[i], backgroundColor: colours[i], tension: 0.2, pointRadius: 2 };
      }),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { ticks: { color: text, maxRotation: 0, autoSkip: true, maxTicksLimit: 8 }, grid: { color: grid } },
        y: { beginAtZero: true, ticks: { color: text, precision: 0 }, grid: { color: grid } },
      },
      plugins: { legend: { position: 'bottom', labels: { color: text, boxWidth: 12 } } },
    },
  });
  canvas.setAttribute('data-ready', 'true');
})();
