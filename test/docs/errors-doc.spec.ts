// docs/errors.md against the error tables of the features (defineErrors): every error id the code
// can answer has its row there, with the same code, HTTP status and message.
import { readFileSync } from 'node:fs';
import '../../src/app.module.js';
import { errorCatalog } from '../../src/common/errors/error-catalog.js';
import { httpStatusOf } from '../../src/common/errors/grpc-code.js';

interface Row {
  when: string;
  code: string;
  http: string;
  message: string;
  details: string;
}

function rowsOf(markdown: string): Row[] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|\s*-/.test(line))
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    )
    .filter((cells) => cells.length === 5 && cells[1] !== 'code')
    .map(([when, code, http, message, details]) => ({
      when: when!,
      code: code!,
      http: http!,
      message: message!,
      details: details!,
    }));
}

describe('docs/errors.md', () => {
  const rows = rowsOf(readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8'));

  it('is a table of errors', () => {
    expect(rows.length).toBeGreaterThan(5);
  });

  it('names no id that the code does not define', () => {
    const ids = new Set(errorCatalog().map((entry) => entry.id));
    const documented = rows.flatMap((row) => [...row.message.matchAll(/\(([A-Z]+-\w+)\)/g)]);
    expect(documented.length).toBeGreaterThan(0);
    for (const [, id] of documented) expect(ids).toContain(id);
  });

  it.each(errorCatalog().map((entry) => [entry.id, entry] as const))(
    'has the row of %s, as the code defines it',
    (id, entry) => {
      const row = rows.find((r) => r.message.includes(`(${id})`));
      expect(row).toBeDefined();
      expect(row?.message).toBe(`\`${entry.message} (${id})\``);
      expect(row?.code).toMatch(new RegExp(`^${entry.code}\\b`));
      expect(row?.http).toMatch(new RegExp(`^${httpStatusOf(entry.code)}\\b`));
      expect(row?.details).toContain('ErrorDetail');
      expect(row?.when).toBe(entry.when);
    },
  );
});
