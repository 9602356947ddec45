import { type Asset, MediaAssetsError, type MediaAssetsClient } from '@media/client';
import { useEffect, useState } from 'preact/hooks';
import { formatBytes, hlsMasterOf, isSettling, originalOf, posterOf, previewOf, renditionOf, thumbnailOf, waveformOf } from './asset-files';
import { HlsPlayer } from './hls-player.view';
import { StatusBadge } from './status.badge';
import { usePolling } from './use-polling.hook';
import { WaveformView } from './waveform.view';

const POLL_MS = 2000;

/** One asset: its media, metadata (edited with If-Match, so a concurrent change is not overwritten), files, delete. */
export function AssetDetailView({ client, id }: { client: MediaAssetsClient; id: string }) {
  const loaded = usePolling((signal) => client.getWithEtag(id, { signal }), id, POLL_MS, ({ asset }) => isSettling(asset));
  if (loaded.error && !loaded.data) {
    return (
      <section>
        <a href="#/assets">← Assets</a>
        <p class="error">{loaded.error}</p>
      </section>
    );
  }
  if (!loaded.data) return <p>Loading…</p>;
  const { asset, etag } = loaded.data;
  return (
    <section class="detail" data-asset-id={asset.id}>
      <a href="#/assets">← Assets</a>
      <h2>
        {asset.name} <StatusBadge asset={asset} />
      </h2>
      <p class="sub">
        {asset.label} · {asset.mime_type} · {formatBytes(asset.file_size)}
        {asset.width && asset.height ? ` · ${asset.width}×${asset.height}` : ''}
        {typeof asset.duration === 'number' ? ` · ${asset.duration.toFixed(1)} s` : ''}
      </p>
      {asset.status === 'ready' ? <MediaView asset={asset} /> : null}
      <MetadataForm client={client} asset={asset} etag={etag} onSaved={loaded.refresh} />
      <FilesTable asset={asset} />
      <DeleteButton client={client} asset={asset} />
    </section>
  );
}

function MediaView({ asset }: { asset: Asset }) {
  const original = originalOf(asset);
  switch (asset.label) {
    case 'Video': {
      const master = hlsMasterOf(asset);
      const mp4 = renditionOf(asset)?.url ?? original?.url;
      if (master) return <HlsPlayer src={master.url} poster={posterOf(asset)?.url} fallback={mp4} />;
      return mp4 ? <video class="player" src={mp4} controls muted /> : null;
    }
    case 'Audio': {
      const waveform = waveformOf(asset);
      const audio = renditionOf(asset)?.url ?? original?.url;
      return (
        <div class="media">
          {waveform ? <WaveformView url={waveform.url} /> : null}
          {audio ? <audio src={audio} controls data-testid="audio" /> : null}
        </div>
      );
    }
    case 'Document': {
      const preview = previewOf(asset);
      return (
        <div class="media">
          {preview ? <img class="preview" data-testid="pdf-preview" src={preview.url} alt={`First page of ${asset.name}`} /> : <p>No preview for this document.</p>}
          {original ? (
            <p>
              <a href={original.url} target="_blank" rel="noreferrer">
                Open the document
              </a>
            </p>
          ) : null}
        </div>
      );
    }
    case 'Photo': {
      const image = thumbnailOf(asset);
      const largest = (asset.cdn_files?.items ?? []).filter((file) => file.role === 'thumbnail').sort((a, b) => (b.width ?? 0) - (a.width ?? 0))[0] ?? image;
      return largest ? <img class="preview" src={largest.url} alt={asset.name ?? ''} /> : null;
    }
    default:
      return null;
  }
}

function MetadataForm({ client, asset, etag, onSaved }: { client: MediaAssetsClient; asset: Asset; etag: string | null; onSaved: () => void }) {
  const initial = () => ({
    name: asset.name ?? '',
    body: asset.body ?? '',
    author: asset.author ?? '',
    reference_id: asset.reference_id ?? '',
    tags: (asset.tags ?? []).join(', '),
  });
  const [fields, setFields] = useState(initial);
  const [message, setMessage] = useState<{ text: string; error?: boolean } | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  // A poll that brings a newer version resets the form only while nobody is typing in it.
  const [dirty, setDirty] = useState(false);
  useEffect(() => {
    if (!dirty) setFields(initial());
  }, [etag]);

  const field = (name: keyof ReturnType<typeof initial>, label: string, multiline = false) => (
    <label>
      {label}
      {multiline ? (
        <textarea name={name} value={fields[name]} onInput={(event) => (setFields({ ...fields, [name]: event.currentTarget.value }), setDirty(true))} />
      ) : (
        <input name={name} value={fields[name]} onInput={(event) => (setFields({ ...fields, [name]: event.currentTarget.value }), setDirty(true))} />
      )}
    </label>
  );

  const save = async () => {
    setBusy(true);
    setMessage(undefined);
    try {
      await client.update(
        asset.id,
        {
          name: fields.name,
          body: fields.body || null,
          author: fields.author || null,
          reference_id: fields.reference_id || null,
          tags: fields.tags.split(',').map((tag) => tag.trim()).filter(Boolean),
        },
        { ifMatch: etag ?? undefined },
      );
      setDirty(false);
      setMessage({ text: 'Saved.' });
      onSaved();
    } catch (failure) {
      if (failure instanceof MediaAssetsError && failure.status === 412) {
        setDirty(false);
        setMessage({ text: 'Someone changed this asset meanwhile: the form now shows their version; make your change again.', error: true });
        onSaved();
      } else {
        setMessage({ text: failure instanceof Error ? failure.message : String(failure), error: true });
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      class="metadata"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <h3>Metadata</h3>
      {field('name', 'Name')}
      {field('body', 'Description', true)}
      {field('author', 'Author')}
      {field('reference_id', 'Reference id')}
      {field('tags', 'Tags (comma-separated)')}
      <button type="submit" disabled={busy}>
        Save
      </button>
      {message ? <span class={message.error ? 'error' : 'ok'}>{message.text}</span> : null}
    </form>
  );
}

function FilesTable({ asset }: { asset: Asset }) {
  const files = asset.cdn_files?.items ?? [];
  if (files.length === 0) return null;
  return (
    <table class="files">
      <caption>Files</caption>
      <thead>
        <tr>
          <th>role</th>
          <th>file</th>
          <th>type</th>
          <th>size</th>
        </tr>
      </thead>
      <tbody>
        {files.map((file) => (
          <tr key={file.id}>
            <td>{file.role}</td>
            <td>
              <a href={file.url} target="_blank" rel="noreferrer">
                {file.file}
              </a>
            </td>
            <td>{file.mime_type}</td>
            <td>{formatBytes(file.size)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DeleteButton({ client, asset }: { client: MediaAssetsClient; asset: Asset }) {
  const [error, setError] = useState<string | undefined>(undefined);
  const remove = async () => {
    if (!window.confirm(`Delete "${asset.name}" and every file of it?`)) return;
    try {
      await client.delete(asset.id);
      window.location.hash = '#/assets';
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };
  return (
    <p>
      <button type="button" class="danger" onClick={() => void remove()}>
        Delete
      </button>
      {error ? <span class="error"> {error}</span> : null}
    </p>
  );
}
