// wahook dashboard: keyboard shortcuts, confirmations, live notices and the overview charts.
// No inline scripts anywhere (the CSP forbids them); everything hangs off data- attributes.
(() => {
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const announce = (text) => {
    const region = $('#live-region');
    if (region) region.textContent = text;
  };

  // Confirm before a destructive or sending action.
  document.addEventListener('submit', (event) => {
    const form = event.target;
    const text = form instanceof HTMLFormElement && form.dataset.confirm;
    if (text && !window.confirm(text)) event.preventDefault();
  });

  // Keyboard: / search, j/k rows, g + letter pages, ? help.
  const GO = {
    o: '/dashboard',
    m: '/dashboard/messages',
    r: '/dashboard/requests',
    i: '/dashboard/inbox',
    d: '/dashboard/deliveries',
    s: '/dashboard/subscriptions',
  };
  let pendingG = false;
  const typing = (el) => el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  const rows = () => $$('tr[data-row]');
  const moveRow = (step) => {
    const list = rows();
    if (list.length === 0) return;
    const current = list.findIndex((row) => row.contains(document.activeElement));
    const next = list[Math.max(0, Math.min(list.length - 1, current === -1 ? 0 : current + step))];
    for (const row of list) row.classList.remove('current');
    next.classList.add('current');
    const target = $('a, button', next);
    if (target) target.focus();
  };
  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const help = $('#help');
    if (pendingG) {
      pendingG = false;
      if (GO[event.key]) {
        event.preventDefault();
        window.location.assign(GO[event.key]);
      }
      return;
    }
    if (event.key === '/') {
      const box = $('#q') || $('#global-q');
      if (box) {
        event.preventDefault();
        box.focus();
        box.select();
      }
    } else if (event.key === 'j' || event.key === 'k') {
      event.preventDefault();
      moveRow(event.key === 'j' ? 1 : -1);
    } else if (event.key === 'g') {
      pendingG = true;
    } else if (event.key === '?' && help) {
      event.preventDefault();
      help.showModal();
    }
  });

  // Live: one EventSource per tab, closed while the tab is hidden.
  const topics = (document.body.dataset.live || '').split(',').filter(Boolean);
  let source = null;
  const onChange = (changed) => {
    if (topics.includes('overview')) {
      refreshCharts();
      return;
    }
    const pill = $('#live-pill');
    if (pill && pill.hidden) {
      pill.hidden = false;
      $('a', pill).href = window.location.href;
      announce(`New ${changed.join(', ')} activity. A link at the top of the page shows it.`);
    }
  };
  const connect = () => {
    if (source || topics.length === 0 || !window.EventSource) return;
    source = new EventSource('/dashboard/live');
    source.onmessage = (message) => {
      try {
        const changed = JSON.parse(message.data).topics.filter((t) => topics.includes(t));
        if (changed.length) onChange(changed);
      } catch {
        // A frame this page does not understand is ignored.
      }
    };
  };
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) {
      if (source) source.close();
      source = null;
    } else {
      connect();
      if (topics.includes('overview')) refreshCharts();
    }
  });

  // Overview charts (uPlot), fed by /dashboard/overview/series; times in UTC.
  const charts = {};
  const container = $('.charts[data-series]');
  const COLORS = ['#1f6feb', '#b35900', '#8250df', '#cf222e', '#1a7f37'];
  const spec = (data) => ({
    ack: {
      series: [
        { label: 'p50', values: data.p50 },
        { label: 'p95', values: data.p95 },
        { label: 'p99', values: data.p99 },
        { label: 'Meta median target 250 ms', values: data.x.map(() => 250), dash: [6, 4] },
        { label: '1 s mark', values: data.x.map(() => 1000), dash: [2, 4] },
      ],
    },
    inbound: {
      series: [
        { label: 'accepted', values: data.accepted },
        { label: 'rejected', values: data.rejected },
        { label: 'duplicates', values: data.duplicates },
      ],
    },
    backlog: {
      series: [
        { label: 'pending', values: data.pending },
        { label: 'oldest pending age (s)', values: data.oldestAgeS },
      ],
    },
    dead: { series: [{ label: 'new dead letters', values: data.dead }] },
  });
  const draw = (data) => {
    if (!window.uPlot) return;
    const specs = spec(data);
    for (const [id, chart] of Object.entries(specs)) {
      const el = document.getElementById(`chart-${id}`);
      if (!el) continue;
      const rowsData = [data.x, ...chart.series.map((s) => s.values)];
      if (charts[id]) {
        charts[id].setData(rowsData);
        continue;
      }
      charts[id] = new window.uPlot(
        {
          width: Math.max(280, el.clientWidth || 480),
          height: 180,
          tzDate: (ts) => window.uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
          cursor: { sync: { key: 'overview' } },
          series: [
            {},
            ...chart.series.map((s, i) => ({
              label: s.label,
              stroke: COLORS[i % COLORS.length],
              width: 2,
              dash: s.dash,
              spanGaps: false,
            })),
          ],
          axes: [{}, { size: 56 }],
        },
        rowsData,
        el,
      );
    }
  };
  let fetching = false;
  function refreshCharts() {
    if (!container || fetching) return;
    fetching = true;
    fetch(container.dataset.series, { credentials: 'same-origin' })
      .then((res) => (res.ok ? res.json() : null))
      .then((data) => data && draw(data))
      .catch(() => undefined)
      .finally(() => {
        fetching = false;
      });
  }
  if (container) {
    refreshCharts();
    window.addEventListener('resize', () => {
      for (const [id, chart] of Object.entries(charts)) {
        const el = document.getElementById(`chart-${id}`);
        if (el) chart.setSize({ width: Math.max(280, el.clientWidth), height: 180 });
      }
    });
  }
  connect();
})();
