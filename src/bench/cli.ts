import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { BenchResult } from './result.ts';

// Loaded before the program: at exit, it prints the process's peak memory on standard error.
const PEAK = `data:text/javascript,process.on('exit',()=>process.stderr.write('peak-kb '+process.resourceUsage().maxRSS+'\\n'))`;

function run(args: string[]): string {
  const child = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`${args.join(' ')} exited ${child.status}: ${child.stderr}`);
  return child.stderr;
}

function timed(args: string[]): number {
  const started = performance.now();
  run(args);
  return performance.now() - started;
}

// Peak memory is read in runs of its own: the hook that reports it costs start-up time.
function peakMb(args: string[]): number {
  return Number(/peak-kb (\d+)/.exec(run(['--import', PEAK, ...args]))?.[1] ?? 0) / 1024;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** `paperboy --help` through the installed bin against a bare `node -e 0`, taken in turns in one run. */
export async function benchHelp(root: string): Promise<BenchResult> {
  const command = [join(root, 'bin', 'paperboy.js'), '--help'];
  const bare: number[] = [];
  const help: number[] = [];
  for (let i = 0; i < 15; i++) {
    bare.push(timed(['-e', '0']));
    help.push(timed(command));
  }
  const peak = Math.max(peakMb(command), peakMb(command), peakMb(command));
  const ratio = median(help) / median(bare);
  return {
    name: 'help',
    target: '`paperboy --help` (the installed bin) in at most 3 times a bare `node -e 0`, under 80 MB',
    figures: {
      'node -e 0, median ms of 15': Number(median(bare).toFixed(1)),
      'paperboy --help, median ms of 15': Number(median(help).toFixed(1)),
      ratio: Number(ratio.toFixed(2)),
      'peak MB': Number(peak.toFixed(1)),
    },
    pass: ratio <= 3 && peak < 80,
  };
}
