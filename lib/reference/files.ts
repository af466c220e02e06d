import { load } from 'js-yaml';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** What the API reference serves from files: Swagger UI's assets and the OpenAPI document. */
export interface ReferenceFiles {
  /** Swagger UI's stylesheet and script, from the swagger-ui-dist package. */
  assets: Record<'swagger-ui.css' | 'swagger-ui-bundle.js', string>;
  /** openapi.yml, parsed. */
  document: Record<string, unknown>;
}

/**
 * Reads them from the project (tests, `tsx`). Lambda packages hold neither node_modules nor openapi.yml: in
 * the bundles, deploy/esbuild-plugins.js replaces this module with what this function returned at build time.
 */
export function referenceFiles(): ReferenceFiles {
  const dist = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  const read = (file: string) => readFileSync(path.join(dist, file), 'utf8');
  return {
    assets: {
      'swagger-ui.css': read('swagger-ui.css'),
      'swagger-ui-bundle.js': read('swagger-ui-bundle.js'),
    },
    document: load(readFileSync(path.join(__dirname, '../../openapi.yml'), 'utf8')) as Record<
      string,
      unknown
    >,
  };
}
