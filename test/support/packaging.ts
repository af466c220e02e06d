import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * `serverless package` for the deployed stages, as CI or an operator runs it: on a machine with no AWS
 * credentials at all, and with secrets in the deployer's environment (none of which may reach a template).
 * package-setup.ts packages `dev` and `prod` once per run; the deploy tests read the results with template().
 */
export const root = path.resolve(__dirname, '../..');
export const deployedStages = ['dev', 'prod'] as const;
export type Stage = (typeof deployedStages)[number];

export const canaries = {
  DB_APP_PASSWORD: 'canary-app-password-7f3a',
  DB_MIGRATOR_PASSWORD: 'canary-migrator-password-91c2',
  JWT_SIGNING_KEYS: 'k1=canary-signing-key-0123456789abcdef0123',
  DATABASE_URL: 'mysql://admin:canary-admin-password-5d4e@127.0.0.1:3306/conduit',
};

export interface Resource {
  Type: string;
  Properties: Record<string, any>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  UpdatePolicy?: Record<string, any>;
}

export interface Template {
  Conditions?: Record<string, any>;
  Resources: Record<string, Resource>;
  Outputs?: Record<string, any>;
}

/** Runs the project's serverless CLI with no credentials, no AWS config, and the canaries set. */
export async function serverless(args: string[], workFolder: string): Promise<string> {
  const home = mkdtempSync(path.join(tmpdir(), 'conduit-home-'));
  try {
    const { stdout } = await promisify(execFile)(
      path.join(root, 'node_modules', '.bin', 'serverless'),
      args,
      {
        cwd: root,
        env: {
          PATH: [
            path.dirname(process.execPath),
            path.join(root, 'node_modules', '.bin'),
            process.env.PATH,
          ].join(path.delimiter),
          HOME: home,
          AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
          AWS_CONFIG_FILE: '/nonexistent/config',
          AWS_EC2_METADATA_DISABLED: 'true',
          ESBUILD_WORK_FOLDER: workFolder,
          ...canaries,
        },
        timeout: 180_000,
      },
    );
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`serverless ${args.join(' ')} failed:\n${stdout}\n${stderr}`, { cause: error });
  } finally {
    rmSync(home, { recursive: true, force: true });
    rmSync(path.join(root, workFolder), { recursive: true, force: true });
  }
}

function packageFolder(): string {
  const folder = process.env.CONDUIT_PACKAGE_DIR;
  if (!folder)
    throw new Error(
      'CONDUIT_PACKAGE_DIR is not set: run the deploy tests through `jest --selectProjects deploy`',
    );
  return folder;
}

/** Where `serverless package --stage <stage>` put its artefacts in this run. */
export const packagedFolder = (stage: Stage) => path.join(packageFolder(), stage);

/** The functions' stack as CloudFormation would receive it, raw and parsed. */
export function template(stage: Stage): { raw: string; template: Template } {
  const raw = readFileSync(
    path.join(packagedFolder(stage), 'cloudformation-template-update-stack.json'),
    'utf8',
  );
  return { raw, template: JSON.parse(raw) as Template };
}

export const resourcesOfType = (template: Template, type: string) =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
