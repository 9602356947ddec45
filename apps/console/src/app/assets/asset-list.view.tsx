import type { Asset, AssetListQuery, AssetPage, MediaAssetsClient } from '@media/client';
import { useState } from 'preact/hooks';
import { formatBytes, thumbnailOf } from './asset-files';
import { StatusBadge } from './status.badge';
import { usePolling } from './use-polling.hook';

const PAGE_SIZE = 48;
const POLL_MS = 3000;
const LABELS = ['', 'Photo', 'Video', 'Audio', 'Document', 'File'] as const;
const STATUSES = ['', 'uploading', 'processing', 'ready', 'failed'] as const;

/** The catalog as a grid: search, filters, pages; polled so statuses move on their own. */
export function AssetListView({ client }: { client: MediaAssetsClient }) {
  const [q, setQ] = useState('');
  const [label, setLabel] = useState('');
  const [status, setStatus] = useState('');
  const [skip, setSkip] = useState(0);
  const query = { limit: PAGE_SIZE, skip, sort: '-created_on', ...(q ? { q } : {}), ...(label ? { label } : {}), ...(status ? { status } : {}) } as AssetListQuery;
  const page = usePolling<AssetPage>((signal) => client.listPage(query, { signal }), JSON.stringify(query), POLL_MS);
  const items = (page.data?.items ?? []) as Asset[];
  const total = page.data?.total ?? 0;

  return (
    <section>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <input
          type="search"
          name="q"
          placeholder="Search names, descriptions, tags"
          value={q}
          onInput={(event) => {
            setQ(event.currentTarget.value);
            setSkip(0);
          }}
        />
        <select name="label" value={label} onChange={(event) => (setLabel(event.currentTarget.value), setSkip(0))}>
          {LABELS.map((value) => (
            <option value={value}>{value || 'every kind'}</option>
          ))}
        </select>
        <select name="status" value={status} onChange={(event) => (setStatus(event.currentTarget.value), setSkip(0))}>
          {STATUSES.map((value) => (
            <option value={value}>{value || 'every status'}</option>
          ))}
        </select>
        <span class="count">{page.data ? `${total} asset${total === 1 ? '' : 's'}` : 'loading…'}</span>
      </form>
      {page.error ? <p class="error">{page.error}</p> : null}
      <ul class="grid" data-testid="asset-grid">
        {items.map((asset) => (
          <AssetCard asset={asset} key={asset.id} />
        ))}
      </ul>
      {total > PAGE_SIZE ? (
        <nav class="pager">
          <button type="button" disabled={skip === 0} onClick={() => setSkip(Math.max(0, skip - PAGE_SIZE))}>
            Previous
          </button>
          <span>
            {skip + 1}–{Math.min(skip + PAGE_SIZE, total)} of {total}
          </span>
          <button type="button" disabled={skip + PAGE_SIZE >= total} onClick={() => setSkip(skip + PAGE_SIZE)}>
            Next
          </button>
        </nav>
      ) : null}
    </section>
  );
}

function AssetCard({ asset }: { asset: Asset }) {
  const thumbnail = thumbnailOf(asset);
  return (
    <li class="card" data-asset-id={asset.id}>
      <a href={`#/assets/${encodeURIComponent(asset.id)}`}>
        <div class="thumb">{thumbnail ? <img src={thumbnail.url} alt="" loading="lazy" /> : <span class="kind">{asset.label}</span>}</div>
        <div class="meta">
          <span class="name" title={asset.name ?? ''}>
            {asset.name}
          </span>
          <span class="sub">
            {asset.label} · {formatBytes(asset.file_size)}
          </span>
          <StatusBadge asset={asset} />
        </div>
      </a>
    </li>
  );
}
