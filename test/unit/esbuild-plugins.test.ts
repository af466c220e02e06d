import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// deploy/esbuild-plugins.js packs mysql2's error table: the packed table must answer exactly as the original.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JavaScript, outside tsconfig's program
const plugins = require('../../deploy/esbuild-plugins.js') as {
  errorRuns(): [number, string][];
  errorTable(runs: [number, string][]): string;
  rdsCertificateAuthorities(region: string, now?: Date): string[];
};

// mysql2's own table, which its package exports do not name: loaded by path.
const original = createRequire(__filename)(
  path.join(path.dirname(require.resolve('mysql2')), 'lib/constants/errors.js'),
) as Record<string, string | number>;

test("the packed error table names every error number as mysql2's own does, and numbers every name", () => {
  const module = { exports: {} as Record<string, unknown> };
  new Function('module', 'require', plugins.errorTable(plugins.errorRuns()))(module, require);
  const packed = module.exports;

  const keys = Object.keys(original);
  expect(keys.length).toBeGreaterThan(3000);
  expect(keys.filter((key) => packed[key] !== original[key])).toEqual([]);
  expect(packed[1062]).toBe('ER_DUP_ENTRY');
  expect(packed.ER_NO_REFERENCED_ROW_2).toBe(1452);
  expect(packed[99999]).toBeUndefined();
});

test("the TLS profile keeps the region's RDS authorities and the proxy roots, and drops the expired", () => {
  const regionOnly = plugins.rdsCertificateAuthorities('eu-west-1', new Date('2026-12-01'));
  const beforeExpiry = plugins.rdsCertificateAuthorities('eu-west-1', new Date('2024-01-01'));

  // RSA2048, RSA4096 and ECC384 roots of eu-west-1, Amazon Root CA 1-4 and Starfield G2.
  expect(regionOnly).toHaveLength(8);
  // In 2024 the region's 2019 root was still valid.
  expect(beforeExpiry).toHaveLength(9);
  expect(plugins.rdsCertificateAuthorities('us-east-1', new Date('2026-12-01'))).not.toEqual(regionOnly);
});

test('every mysql2 connection the bundles open parses rows without generated code (their generator is a stub)', () => {
  const sources = ['db/client.ts', 'db/migrate.ts', 'db/accounts.ts'].map((file) =>
    readFileSync(path.join(__dirname, '../..', file), 'utf8'),
  );
  const openings = sources.flatMap((source) => source.match(/create(Connection|Pool)\([^;]*/g) ?? []);

  expect(openings.length).toBeGreaterThanOrEqual(4);
  // db/client.ts builds its pool options in poolOptions(), which sets it.
  expect(openings.filter((call) => !/disableEval: true|poolOptions\(/.test(call))).toEqual([]);
  expect(sources[0]).toContain('disableEval: true');
});
