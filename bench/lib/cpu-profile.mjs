import { readFileSync } from 'node:fs';

/**
 * Reads a V8 .cpuprofile (from `node --cpu-prof`) and answers "where did this thread's time go":
 * self time per function, and inclusive time per named group of frames (a sample counts for a
 * group when any frame on its stack matches, so nested matches are not counted twice).
 */
export function loadProfile(path) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  // timeDeltas[i] is the gap before sample i; the time a sample stands for is the gap after it.
  const weights = profile.samples.map((_, i) => (profile.timeDeltas[i + 1] ?? 0) / 1000);
  const totalMs = weights.reduce((sum, w) => sum + w, 0);
  return { profile, byId, parent, weights, totalMs };
}

function frameLabel(node) {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url ? url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/') : '';
  return `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
}

export function selfTimes(loaded, top = 25) {
  const { profile, byId, weights, totalMs } = loaded;
  const ms = new Map();
  profile.samples.forEach((id, i) => {
    const label = frameLabel(byId.get(id));
    ms.set(label, (ms.get(label) ?? 0) + weights[i]);
  });
  return [...ms.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([label, time]) => ({ label, ms: time, share: time / totalMs }));
}

/** groups: [{ name, match(callFrame) → boolean }]; returns ms and share of busy (non-idle) time. */
export function groupTimes(loaded, groups) {
  const { profile, byId, parent, weights, totalMs } = loaded;
  const stackCache = new Map();
  const groupsOf = (id) => {
    if (stackCache.has(id)) return stackCache.get(id);
    const found = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur).callFrame;
      for (const group of groups) if (group.match(frame)) found.add(group.name);
    }
    stackCache.set(id, found);
    return found;
  };
  const ms = Object.fromEntries(groups.map((group) => [group.name, 0]));
  let idleMs = 0;
  profile.samples.forEach((id, i) => {
    if (byId.get(id).callFrame.functionName === '(idle)') idleMs += weights[i];
    for (const name of groupsOf(id)) ms[name] += weights[i];
  });
  const busyMs = totalMs - idleMs;
  return {
    totalMs,
    idleMs,
    busyMs,
    groups: groups.map((group) => ({ name: group.name, ms: ms[group.name], share: ms[group.name] / busyMs })),
  };
}
