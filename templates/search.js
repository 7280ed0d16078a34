// The search page: runs the query in ?q= against the static search index (Pagefind), one index per
// period (half-month, quarter, year) merged into one search, and lists the matching papers with a
// link to each on its issue page.
const root = document.getElementById('search');
const status = root.querySelector('.search-status');
const list = root.querySelector('.search-results');
const base = root.dataset.base || '/';
const indexes = (root.dataset.indexes || '').split(' ').filter(Boolean);
const query = (new URLSearchParams(location.search).get('q') || '').trim();
const SHOWN = 30;

const input = document.getElementById('site-search');
if (input) input.value = query;

// Words as the search index counts them: its match locations are places in this list.
const SEPARATORS = /[^\S\uFEFF]+/;
const EXCERPT_WORDS = 30;

// A result's excerpt, from its summary on, with the matches marked: a record starts with the
// paper's title and authors, which the result shows just above it already.
function excerptNodes(result) {
  const words = (result.content || '').split(SEPARATORS);
  const count = (text) => (text || '').split(SEPARATORS).filter(Boolean).length;
  const from = Math.min(words.length, count(result.meta.title) + count(result.meta.authors));
  const matches = new Set((result.locations || []).filter((place) => place >= from));
  const first = Math.min(...matches);
  const start = Number.isFinite(first) ? Math.max(from, Math.min(first - 5, words.length - EXCERPT_WORDS)) : from;
  const end = Math.min(words.length, start + EXCERPT_WORDS);
  const nodes = [];
  if (start > from) nodes.push(document.createTextNode('… '));
  for (let i = start; i < end; i++) {
    if (i > start) nodes.push(document.createTextNode(' '));
    const mark = matches.has(i) ? document.createElement('mark') : undefined;
    if (mark) mark.textContent = words[i];
    nodes.push(mark ?? document.createTextNode(words[i]));
  }
  if (end < words.length) nodes.push(document.createTextNode(' …'));
  return nodes;
}

function show(result) {
  const item = document.createElement('li');
  item.className = 'search-result';
  const title = document.createElement('a');
  title.href = result.url;
  title.textContent = result.meta.title || result.url;
  const heading = document.createElement('h2');
  heading.append(title);
  const meta = document.createElement('p');
  meta.className = 'meta';
  meta.textContent = [result.meta.issue, result.meta.arxiv ? `arXiv ${result.meta.arxiv}` : '', result.meta.authors].filter(Boolean).join(' · ');
  const excerpt = document.createElement('p');
  excerpt.className = 'summary';
  excerpt.append(...excerptNodes(result));
  item.append(heading, meta, excerpt);
  list.append(item);
}

async function run() {
  if (query === '') {
    status.textContent = 'Type words in the search box above.';
    return;
  }
  if (indexes.length === 0) {
    status.textContent = 'Nothing is published yet.';
    return;
  }
  status.textContent = 'Searching…';
  const pagefind = await import(`${base}${indexes[0]}pagefind.js`);
  await pagefind.options({ baseUrl: base });
  for (const index of indexes.slice(1)) await pagefind.mergeIndex(`${base}${index}`);
  const search = await pagefind.search(query);
  const results = await Promise.all(search.results.slice(0, SHOWN).map((r) => r.data()));
  list.replaceChildren();
  results.forEach(show);
  const count = search.results.length;
  status.textContent = count === 0 ? `No paper matches “${query}”.` : `${count} paper${count === 1 ? '' : 's'} match “${query}”${count > SHOWN ? `; the first ${SHOWN} are shown` : ''}.`;
}

run().catch((error) => {
  status.textContent = `Search failed: ${error.message}`;
});
