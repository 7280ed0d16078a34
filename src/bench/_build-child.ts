import { benchBuilder } from './_digests.ts';

// `build --all` in a process of its own, with or without the search index: argv is the project
// root, the digests folder, the out folder and `search` or `no-search`.
const [root = '.', digests = 'digests', out = 'out', search = 'search'] = process.argv.slice(2);
const builder = benchBuilder(root, digests, out, 'https://papers.example.org', search === 'search');
await builder.build({ all: true });
await builder.close();
