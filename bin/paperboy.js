#!/usr/bin/env node
// The installed command: the compiled program (`npm install` compiles it into dist/).
import { run } from '../dist/cli.js';

await run();
