/**
 * The layers, checked by `npm run lint` (dependency-cruiser). Imports run one way:
 *
 *   functions/ ──▶ lib/services.ts, lib/readiness.ts (composition) ──▶ lib/<domain>/ ──▶ core
 *        │                        │                                                       ▲
 *        └──▶ lib/http/ ─▶ core   └──▶ db/ ─────────── (type-only: a domain's ports) ─────┘
 *
 * core = lib/errors.ts, lib/log.ts, lib/lazy.ts, lib/request-scope.ts and lib/config/: what every layer
 * needs, importing none of them. scripts/ and test/ may use anything; nothing runtime may use them.
 */
const core = '^lib/(errors|log|lazy|request-scope)[.]ts$|^lib/config/';
const composition = '^lib/(services|readiness)[.]ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes load order matter and hides which module owns what.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-imports-no-layer',
      severity: 'error',
      comment: 'The core (errors, log, lazy, request scope, config) is used by every layer and uses none.',
      from: { path: core },
      to: { path: '^(functions|db|scripts|test)/|^lib/', pathNot: core },
    },
    {
      name: 'db-implements-domain-ports',
      severity: 'error',
      comment:
        'db/ uses the core; from a domain it may import only types (the store interfaces it implements).',
      from: { path: '^db/' },
      to: { path: '^lib/', pathNot: core, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'only-composition-picks-repositories',
      severity: 'error',
      comment:
        'Domain services get their stores from lib/services.ts; lib/http never sees the database. ' +
        'Only the composition root (and the warm-up check) imports db/.',
      from: { path: '^lib/', pathNot: composition },
      to: { path: '^db/' },
    },
    {
      name: 'domains-know-no-http',
      severity: 'error',
      comment:
        "A domain's services and types know nothing of HTTP; only its request schemas (schemas.ts, the " +
        'RealWorld envelopes that validate into its input types) build on lib/http.',
      from: { path: '^lib/(articles|auth|comments|profiles|users)/', pathNot: '/schemas[.]ts$' },
      to: { path: '^lib/http/' },
    },
    {
      name: 'api-functions-go-through-lib',
      severity: 'error',
      comment:
        'API handlers reach the database through a service (deploy-time functions may use db/ directly).',
      from: { path: '^functions/', pathNot: '^functions/deploy/' },
      to: { path: '^db/' },
    },
    {
      name: 'runtime-never-imports-scripts-or-tests',
      severity: 'error',
      from: { path: '^(functions|lib|db)/' },
      to: { path: '^(scripts|test)/' },
    },
    {
      name: 'lib-and-db-never-import-handlers',
      severity: 'error',
      from: { path: '^(lib|db|scripts)/' },
      to: { path: '^functions/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
