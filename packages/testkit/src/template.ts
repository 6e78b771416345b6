// Configuration templates (servers/*.conf.in) with {{NAME}} placeholders. Strict both ways: a
// placeholder without a value and a value without a placeholder are errors, so a typo cannot
// silently leave a server on its built-in default.
import { readFile } from 'node:fs/promises';

const PLACEHOLDER = /\{\{([A-Z0-9_]+)\}\}/g;

/** Fills `{{NAME}}` placeholders of the template file with `values`. */
export async function renderTemplate(file: string, values: Readonly<Record<string, string | number>>): Promise<string> {
  const template = await readFile(file, 'utf8');
  const used = new Set<string>();
  const text = template.replace(PLACEHOLDER, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${file}: no value for {{${name}}}`);
    const str = String(value);
    // One value, one line: a newline would let a value add directives of its own.
    if (/[\r\n]/.test(str)) throw new Error(`${file}: the value of {{${name}}} spans lines`);
    used.add(name);
    return str;
  });
  const unused = Object.keys(values).filter((name) => !used.has(name));
  if (unused.length > 0) throw new Error(`${file}: no placeholder for ${unused.join(', ')}`);
  return text;
}
