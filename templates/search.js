// The search page: runs the query in ?q= against the static search index (Pagefind), one index per
// year merged into one search, and lists the matching papers with a link to each on its issue page.
const root = document.getElementById('search');
const status = root.querySelector('.search-status');
const list = root.querySelector('.search-results');
const base = root.dataset.base || '/';
const indexes = (root.dataset.indexes || '').split(' ').filter(Boolean);
const query = (new URLSearchParams(location.search).get('q') || '').trim();
const SHOWN = 30;

const input = document.getElementById('site-search');
if (input) input.value = query;

// Excerpts come as escaped text with <mark> around the matches: only the text and the marks are kept.
function excerptNodes(html) {
  const template = document.createElement('template');
  template.innerHTML = html;
  const nodes = [];
  for (const node of template.content.childNodes) {
    if (node.nodeName === 'MARK') {
      const mark = document.createElement('mark');
      mark.textContent = node.textContent;
      nodes.push(mark);
    } else {
      nodes.push(document.createTextNode(node.textContent));
    }
  }
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
  excerpt.append(...excerptNodes(result.excerpt || ''));
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
