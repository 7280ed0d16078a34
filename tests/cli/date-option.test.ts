import { describe, expect, it } from 'vitest';
import { paperboy } from '../helpers/cli.ts';
import { testProject } from '../helpers/project.ts';

describe('--date', () => {
  it('takes a real calendar day in build, dispatch and preview, and says so in one line otherwise (exit 2), before anything runs', async () => {
    const project = await testProject([]);
    for (const command of ['build', 'dispatch', 'preview']) {
      for (const date of ['2031-02-30', '3 Feb', '2031-2-3']) {
        const run = await paperboy([command, '--date', date], { env: { ...project.env, PAPERBOY_PORT: 'eighty' } });
        expect([command, run.status, run.stderr, run.stdout]).toEqual([
          command,
          2,
          `paperboy: --date takes YYYY-MM-DD, not "${date}"\n`,
          '',
        ]);
      }
    }
    const built = await paperboy(['build', '--date', '2031-02-03'], { env: project.env });
    expect([built.status, built.stderr]).toEqual([0, '']);
  });
});
