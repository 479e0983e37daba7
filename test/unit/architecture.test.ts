import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The dependency direction of DESIGN.md, checked on every runtime import in src/. Type-only imports
 * are exempt (they vanish at build time) except from events/ and store/ (TYPES_COUNT); everything that runs must point down the layers:
 * domain (lib, errors, whatsapp, events) ← store ← the five stages ← admin/ops/dashboard ← cli/app/main.
 * The stages meet only through the store, never by importing each other.
 */
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
const STAGES = ['receive', 'inbox', 'process', 'deliver'];
const TOP = ['cli', 'app.ts', 'main.ts', 'server.ts', 'stages.ts'];

/** Every folder and top-level module of src/ but lib/: the error registry stands on lib alone. */
const ALL_BUT_LIB = readdirSync(SRC).filter((name) => name !== 'lib' && name !== 'errors.ts');

const FORBIDDEN: Record<string, readonly string[]> = {
  lib: ['*'],
  'errors.ts': ALL_BUT_LIB,
  whatsapp: ['store', 'config', 'observe', 'admin', 'ops', 'doctor', 'simulate', ...STAGES, ...TOP],
  events: ['store', 'config', 'observe', 'admin', 'ops', 'doctor', 'simulate', ...STAGES, ...TOP],
  store: ['admin', 'ops', 'observe', 'doctor', 'simulate', ...STAGES, ...TOP],
  receive: STAGES.filter((s) => s !== 'receive').concat(['admin', 'ops', ...TOP]),
  inbox: STAGES.filter((s) => s !== 'inbox').concat(['admin', 'ops', ...TOP]),
  process: STAGES.filter((s) => s !== 'process').concat(['admin', 'ops', ...TOP]),
  deliver: STAGES.filter((s) => s !== 'deliver').concat(['ops', ...TOP]),
  admin: TOP,
  dashboard: TOP,
  ops: TOP,
  observe: [...STAGES, 'admin', 'ops', ...TOP],
  // The doctor speaks the webhook protocol, so it signs with the receiver's own signature module.
  doctor: ['store', 'inbox', 'process', 'deliver', 'admin', 'ops', ...TOP],
  simulate: ['store', ...STAGES, 'admin', 'ops', ...TOP],
  // Sending calls the Graph API beside the stages: it meets them only through the store.
  send: [...STAGES, 'admin', 'ops', 'doctor', 'simulate', 'fake-graph', ...TOP],
  // wahook/consumer: what a business system imports to read events; the event types and lib only.
  consumer: [
    'store',
    'config',
    'observe',
    'admin',
    'ops',
    'doctor',
    'simulate',
    'dashboard',
    'send',
    'fake-graph',
    ...STAGES,
    ...TOP,
  ],
  // The fake Graph API stands in for Meta: it may build Meta's payloads (simulate), nothing of ours.
  'fake-graph': ['store', 'config', 'observe', 'doctor', ...STAGES, 'admin', 'ops', ...TOP],
};

/**
 * Leaf modules of a stage that every layer may import: they state a concept the store and other
 * stages speak of (the inbox row and its states), and import nothing of ours but lib/.
 */
const LEAVES = ['inbox/states.ts'];

/**
 * Folders whose type imports count too: what consumers see (events) and the port (store) must not
 * lean on a stage's internals even for a type, or the public types end up defined in the parser.
 */
const TYPES_COUNT = ['events', 'store'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function topOf(path: string): string {
  return relative(SRC, path).split('/')[0] ?? '';
}

function runtimeImports(file: string, withTypes = false): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?[^'"]*?from\s+'(\.[^']+)'/gm)) {
    if (match[1] && !withTypes) continue;
    found.push(resolve(dirname(file), match[2]!.replace(/\.js$/, '.ts')));
  }
  for (const match of text.matchAll(/import\('(\.[^']+)'\)/g)) {
    found.push(resolve(dirname(file), match[1]!.replace(/\.js$/, '.ts')));
  }
  return found;
}

function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

describe('dependency direction', () => {
  it('has no runtime import (nor, from events and store, type import) that points up the layers or between stages', () => {
    const violations: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const from = topOf(file);
      const forbidden = FORBIDDEN[from];
      if (!forbidden) continue;
      for (const target of runtimeImports(file, TYPES_COUNT.includes(from))) {
        const to = topOf(target);
        if (to === from || LEAVES.includes(relative(SRC, target))) continue;
        if (forbidden.includes('*') || forbidden.includes(to)) {
          violations.push(`${relative(SRC, file)} → ${relative(SRC, target)}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('keeps the leaf modules leaves: they import nothing of ours but lib/', () => {
    const imports = LEAVES.flatMap((leaf) =>
      runtimeImports(join(SRC, leaf))
        .map((target) => relative(SRC, target))
        .filter((target) => topOf(join(SRC, target)) !== 'lib')
        .map((target) => `${leaf} → ${target}`),
    );
    expect(imports).toEqual([]);
  });

  it('reads process.env only in main.ts', () => {
    const readers = sourceFiles(SRC)
      .filter((file) => withoutComments(readFileSync(file, 'utf8')).includes('process.env'))
      .map((file) => relative(SRC, file));
    expect(readers).toEqual(['main.ts']);
  });
});
