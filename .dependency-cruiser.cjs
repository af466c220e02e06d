/**
 * The layers, checked by `npm run lint` (dependency-cruiser). Imports run one way:
 *
 *   functions/ ──▶ lib/wiring/ (composition root) ──▶ lib/<domain>/ ──▶ core
 *        │               ▲          │                      ▲
 *        └──▶ lib/http/ ─┘          └──▶ db/ ── type-only ──┘ (the ports it implements)
 *
 * core = lib/errors.ts, lib/log.ts, lib/lazy.ts, lib/request-scope.ts and lib/config/:
 * what every layer needs, importing no layer. lib/wiring/ decides which repository serves each service, and
 * holds what route() loads on demand (authentication, the warm-up check). scripts/ and test/ may use anything
 * but handlers; nothing at run time may use them. lib/scenario/ stands outside the layers: a client of the
 * API over HTTP, run by functions/ops/ (the scheduled scenario check), scripts/ and deploy/.
 */
const core = '^lib/(errors|log|lazy|request-scope|http-get)[.]ts$|^lib/config/';
const wiring = '^lib/wiring/';
const scenario = '^lib/scenario/';

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
      name: 'only-wiring-picks-repositories',
      severity: 'error',
      comment:
        'Domain services get their stores from lib/wiring/services.ts; neither a domain nor lib/http ' +
        'imports db/ (not even through a dynamic import).',
      from: { path: '^lib/', pathNot: wiring },
      to: { path: '^db/' },
    },
    {
      name: 'domains-never-reach-for-wiring',
      severity: 'error',
      comment:
        'A domain gets what it needs as parameters; only handlers and route() (authentication, warm-ups) ' +
        'take from the composition root.',
      from: { path: '^lib/', pathNot: `${wiring}|^lib/http/` },
      to: { path: wiring },
    },
    {
      name: 'http-knows-no-domain',
      severity: 'error',
      comment:
        'lib/http builds the Middy stack and maps errors: it uses the core, and lib/wiring/ for what it loads ' +
        'on demand (authentication, the warm-up check), never a domain module directly (lib/deploy/warm-up.ts, ' +
        'the warm-up contract, imports nothing).',
      from: { path: '^lib/http/' },
      to: { path: '^lib/', pathNot: `${core}|^lib/http/|${wiring}|^lib/deploy/warm-up[.]ts$` },
    },
    {
      name: 'domains-know-no-http',
      severity: 'error',
      comment:
        "A domain's services and types know nothing of HTTP; only its request schemas (schemas.ts, the " +
        'RealWorld envelopes that validate into its input types) build on lib/http.',
      from: { path: '^lib/', pathNot: `^lib/http/|/schemas[.]ts$|${wiring}` },
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
      name: 'scenario-is-an-outside-client',
      severity: 'error',
      comment:
        'lib/scenario/ checks the API from outside, over HTTP like any client: it imports nothing of the ' +
        'project but itself, so none of the code it checks can help it pass.',
      from: { path: scenario },
      to: { path: '^(functions|lib|db)/', pathNot: scenario },
    },
    {
      name: 'ops-functions-use-the-public-api',
      severity: 'error',
      comment:
        'functions/ops/ (the scenario check) reaches the API through its public URL: it uses the core and ' +
        'lib/scenario/ only, so it needs no VPC, no secrets and no database.',
      from: { path: '^functions/ops/' },
      to: { path: '^(lib|db)/', pathNot: `${core}|${scenario}` },
    },
    {
      name: 'api-never-bundles-the-scenario',
      severity: 'error',
      comment:
        'Only functions/ops/, scripts/ and deploy/ run the scenario check; nothing that serves the API.',
      from: { path: '^(functions|lib)/', pathNot: `^functions/ops/|${scenario}` },
      to: { path: scenario },
    },
    {
      name: 'runtime-never-imports-scripts-or-tests',
      severity: 'error',
      from: { path: '^(functions|lib|db|deploy)/' },
      to: { path: '^(scripts|test)/' },
    },
    {
      name: 'nothing-imports-handlers',
      severity: 'error',
      comment: 'A handler is an entry point: lib/, db/ and scripts/ never import one (tests may).',
      from: { path: '^(lib|db|scripts|deploy)/' },
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
