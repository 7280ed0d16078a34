import { relative } from 'node:path';
import type { Config } from '../config.ts';
import { buildCommand } from './build.ts';
import type { Output } from './_output.ts';

/** `paperboy start`, the main job: for now it publishes every digest into out/ and says where. */
export async function startCommand(config: Config, root: string, output: Output): Promise<number> {
  const status = await buildCommand(config, root, { all: true }, output);
  const out = relative(process.cwd(), config.outDir) || '.';
  output.out(`the site is in ${out}/ (open ${out}/index.html); emails are in ${out}/email/, feeds in ${out}/feeds/`);
  return status;
}
