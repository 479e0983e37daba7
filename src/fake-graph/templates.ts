import type { SendCheck } from './validate.js';
import { isObject } from './validate.js';

/**
 * The fake's approved templates: name + language + how many parameters each component takes.
 * A send that names an unknown template or language gets `132001`, a wrong parameter count
 * `132000`, an empty or over-long text parameter `132012` (whatsapp-sending.md §3.5).
 */
export interface TemplateSpec {
  readonly name: string;
  readonly language: string;
  readonly header?: number;
  readonly body: number;
  /** Dynamic buttons by index (`"0"` or 0 alike), each taking one parameter. */
  readonly buttons?: readonly number[];
  readonly category?: 'marketing' | 'utility' | 'authentication';
}

export type TemplateRegistry = ReadonlyMap<string, TemplateSpec>;

export const DEFAULT_TEMPLATES: readonly TemplateSpec[] = [
  { name: 'hello_world', language: 'en_US', body: 0, category: 'utility' },
  { name: 'hina_invitation', language: 'he', body: 2, category: 'utility' },
  { name: 'order_update', language: 'en_US', body: 2, buttons: [0], category: 'utility' },
  { name: 'spring_sale', language: 'en_US', header: 1, body: 1, category: 'marketing' },
];

export function templateRegistry(specs: readonly TemplateSpec[]): TemplateRegistry {
  return new Map(specs.map((spec) => [`${spec.name}/${spec.language}`, spec]));
}

const fail = (code: number, details: string): SendCheck => ({ ok: false, code, details });

export function checkTemplate(
  template: Record<string, unknown>,
  registry: TemplateRegistry,
): SendCheck | undefined {
  const name = template.name;
  const language = isObject(template.language) ? template.language.code : undefined;
  if (typeof name !== 'string' || typeof language !== 'string')
    return fail(132001, 'template.name and template.language.code are required.');
  const spec = registry.get(`${name}/${language}`);
  if (spec === undefined) return fail(132001, `template name (${name}) does not exist in ${language}`);
  const counts = { header: 0, body: 0, buttons: new Map<string, number>() };
  const components = template.components ?? [];
  if (!Array.isArray(components)) return fail(100, 'Param template.components must be an array.');
  for (const component of components) {
    if (!isObject(component)) return fail(100, 'Each template component must be an object.');
    const parameters = Array.isArray(component.parameters) ? component.parameters : [];
    for (const parameter of parameters) {
      if (!isObject(parameter)) return fail(132012, 'Each parameter must be an object.');
      if (parameter.type === 'text') {
        if (typeof parameter.text !== 'string' || parameter.text === '')
          return fail(132012, 'Parameter text must be a non-empty string.');
        if (parameter.text.length > (component.type === 'header' ? 60 : 32_768))
          return fail(132012, 'Parameter text is too long.');
      }
    }
    if (component.type === 'header') counts.header += parameters.length;
    else if (component.type === 'body') counts.body += parameters.length;
    else if (component.type === 'button') counts.buttons.set(String(component.index), parameters.length);
    else return fail(100, `Param template.components type "${String(component.type)}" is not valid.`);
  }
  if (counts.header !== (spec.header ?? 0) || counts.body !== spec.body) {
    return fail(
      132000,
      `body: number of localizable_params (${counts.body}) does not match the expected number of params (${spec.body})`,
    );
  }
  for (const index of spec.buttons ?? []) {
    if (counts.buttons.get(String(index)) !== 1) return fail(132000, `button ${index}: expected 1 parameter`);
  }
  return undefined;
}

export function templateCategory(template: unknown, registry: TemplateRegistry): string | undefined {
  if (!isObject(template) || !isObject(template.language)) return undefined;
  return registry.get(`${String(template.name)}/${String(template.language.code)}`)?.category;
}
