import JSZip from 'jszip';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { bundleCeilingKb, servingFiles } from '../support/budgets';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- its exports do not name package.json
const { version: mysql2Version } = require(
  path.join(path.dirname(require.resolve('mysql2')), 'package.json'),
) as {
  version: string;
};
import { deployedStages, packagedFolder, resourcesOfType, root, template } from '../support/packaging';

// Every cold start reads and compiles its function's whole bundle: none may grow past the ceiling unnoticed.
async function bundleSizes(stage: (typeof deployedStages)[number]) {
  const functions = resourcesOfType(template(stage).template, 'AWS::Lambda::Function');
  return Promise.all(
    functions.map(async ([, { Properties }]) => {
      const zipName = path.basename(Properties.Code.S3Key as string);
      const file = `${(Properties.Handler as string).replace(/\.handler$/, '')}.js`;
      const zip = await JSZip.loadAsync(readFileSync(path.join(packagedFolder(stage), zipName)));
      const bundle = zip.file(file);
      if (!bundle) throw new Error(`${zipName} holds no ${file}`);
      return { name: zipName.replace(/\.zip$/, ''), kb: (await bundle.async('nodebuffer')).length / 1024 };
    }),
  );
}

test.each(deployedStages)(`%s: no function's bundle passes ${bundleCeilingKb} KB`, async (stage) => {
  const sizes = await bundleSizes(stage);

  expect(sizes.length).toBeGreaterThan(20);
  expect(sizes.filter(({ name, kb }) => kb > bundleCeilingKb && !servingFiles.includes(name))).toEqual([]);
});

test("the API reference's bundle carries Swagger UI and the document, and nothing reads them from disk", async () => {
  const zip = await JSZip.loadAsync(readFileSync(path.join(packagedFolder('prod'), 'apiReference.zip')));
  const bundle = await zip.file('functions/reference/get.js')!.async('string');

  expect(Object.keys(zip.files).filter((name) => !name.endsWith('/'))).toEqual([
    'functions/reference/get.js',
  ]);
  expect(bundle.includes('SwaggerUIBundle')).toBe(true);
  expect(bundle.includes('GetArticlesFeed')).toBe(true);
  expect(bundle.includes('readFileSync')).toBe(false);
});

describe('what the bundles leave out', () => {
  let folder: string;
  let bundle: string;

  beforeAll(async () => {
    const zip = await JSZip.loadAsync(readFileSync(path.join(packagedFolder('prod'), 'getArticle.zip')));
    bundle = await zip.file('functions/articles/get.js')!.async('string');
    folder = mkdtempSync(path.join(tmpdir(), 'conduit-bundle-'));
    writeFileSync(path.join(folder, 'get.js'), bundle);
  });

  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  /** The modules a fresh process holds once the bundle has loaded and its import()s have settled. */
  const modulesAfterLoading = (environment: Record<string, string>) =>
    execFileSync(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(path.join(folder, 'get.js'))});` +
          "setImmediate(() => console.log(Object.keys(require.cache).join('\\n')))",
      ],
      // The SDK resolves from the project, as Lambda's runtime provides it.
      {
        env: { PATH: process.env.PATH, NODE_PATH: path.join(root, 'node_modules'), ...environment },
        encoding: 'utf8',
      },
    );

  test('loading a function as deployed loads no AWS SDK (secrets come through the extension)', () => {
    const deployed = modulesAfterLoading({
      SSM_PREFIX: '/conduit/prod',
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '2773',
    });
    // Where no extension runs, the SDK is what reads SSM: the check sees it when it is there.
    const withoutExtension = modulesAfterLoading({ SSM_PREFIX: '/conduit/prod', AWS_REGION: 'eu-west-1' });

    expect(deployed).toContain('get.js');
    expect(deployed).not.toContain('@aws-sdk');
    expect(withoutExtension).toContain('@aws-sdk/client-ssm');
  });

  test("mysql2's TLS profile holds the stage region's RDS authorities and the proxy's roots, unexpired", () => {
    const names = [...bundle.matchAll(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g)].map(
      ([pem]) => {
        const certificate = new X509Certificate(pem.replace(/\\n/g, '\n'));
        expect(new Date(certificate.validTo).getTime()).toBeGreaterThan(Date.now());
        return /CN=([^\n]+)/.exec(certificate.subject)![1]!;
      },
    );

    expect(names.filter((name) => name.startsWith('Amazon RDS eu-west-1 '))).toHaveLength(3);
    expect(names.filter((name) => name.startsWith('Amazon Root CA'))).toHaveLength(4);
    expect(names.filter((name) => !/^(Amazon RDS eu-west-1 |Amazon Root CA|Starfield)/.test(name))).toEqual(
      [],
    );
  });

  // (includes(), not toContain(): a failure would print the whole bundle.)
  test("mysql2's code generator is replaced by a stub, its error names kept (deflated)", () => {
    expect(bundle.includes('mysql2 code generation is not bundled')).toBe(true);
    const [, packed] = /["'`]([A-Za-z0-9+/]{10000,}={0,2})["'`]/.exec(bundle) ?? [];
    expect(packed).toBeDefined();
    expect(inflateRawSync(Buffer.from(packed!, 'base64')).toString()).toContain(
      'ER_DUP_KEYNAME ER_DUP_ENTRY',
    );
  });

  test("mysql2's 64-bit integers come from Node's BigInt, and of its package.json only the version is bundled", () => {
    // The `long` package's multiplier is WebAssembly; mysql2's package.json lists its scripts.
    expect(bundle.includes('WebAssembly')).toBe(false);
    expect(bundle.includes('"test:')).toBe(false);
    expect(bundle.includes(`{version:"${mysql2Version}"}`)).toBe(true);
  });
});
