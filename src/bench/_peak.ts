// Loaded first (`node --import`) into a process the million benchmark measures: when it exits, its
// peak resident memory (kB) and processor time (ms, every thread) go to the file the parent named.
import { appendFileSync } from 'node:fs';

const file = process.env.BENCH_PEAK_FILE;
if (file !== undefined) {
  process.on('exit', () => {
    const used = process.resourceUsage();
    appendFileSync(
      file,
      `${JSON.stringify({ pid: process.pid, maxRssKb: used.maxRSS, cpuMs: (used.userCPUTime + used.systemCPUTime) / 1000 })}\n`,
    );
  });
}
