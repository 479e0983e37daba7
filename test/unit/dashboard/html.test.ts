import { describe, expect, it } from 'vitest';
import { escapeHtml, html, queryString } from '../../../src/dashboard/html.js';

describe('the dashboard templates', () => {
  it('escape every interpolated string, in text and in attributes', () => {
    const hostile = `<script>alert(1)</script>" onmouseover='x' \`y\` &amp;`;
    const out = html`<p title="${hostile}">${hostile}</p>`.toString();
    expect(out).not.toContain('<script>');
    expect(out).not.toContain(`" onmouseover`);
    expect(out).toBe(
      '<p title="&lt;script&gt;alert(1)&lt;/script&gt;&quot; onmouseover=&#39;x&#39; &#96;y&#96; &amp;amp;">&lt;script&gt;alert(1)&lt;/script&gt;&quot; onmouseover=&#39;x&#39; &#96;y&#96; &amp;amp;</p>',
    );
  });

  it('nest templates and arrays without escaping them twice, and drop null, undefined and booleans', () => {
    const items = ['a<b', 'c'].map((item) => html`<li>${item}</li>`);
    expect(html`<ul>${items}${null}${undefined}${false}</ul>`.toString()).toBe(
      '<ul><li>a&lt;b</li><li>c</li></ul>',
    );
  });

  it('escape every interpolated string, markup included, and leave plain text alone', () => {
    expect(html`<p>${'<br>'}${'<script>x</script>'}</p>`.toString()).toBe(
      '<p>&lt;br&gt;&lt;script&gt;x&lt;/script&gt;</p>',
    );
    expect(escapeHtml('plain')).toBe('plain');
  });

  it('build query strings from the set values only', () => {
    expect(queryString({ q: 'a b&c', empty: '', none: undefined, n: 3 })).toBe('?q=a+b%26c&n=3');
    expect(queryString({})).toBe('');
  });
});
