import { useEffect, useRef, useState } from 'preact/hooks';
import { apiBase } from '../session.store';

/**
 * Bytes per PATCH. A request cut by a reload keeps none of its bytes on the server, so a chunk is what a
 * reload can cost; small enough to lose little, large enough that per-request overhead stays negligible.
 */
export const TUS_CHUNK_SIZE = 2 * 1024 * 1024;

interface Finished {
  assetId: string;
  name: string;
}

/** `<base>/tus/<asset id>`: the upload's URL names the asset it became. */
function assetIdOf(uploadUrl: string | undefined): string | undefined {
  const match = /\/tus\/([^/?#]+)/.exec(uploadUrl ?? '');
  return match ? decodeURIComponent(match[1]) : undefined;
}

/**
 * Uppy's Dashboard over tus at `/tus`: drag and drop, several files, progress. tus-js-client remembers
 * each upload's URL in localStorage under a fingerprint of the file, so after a reload the same file,
 * added again, continues from the server's offset instead of starting over.
 */
export function UploadPanel({ token }: { token: string }) {
  const target = useRef<HTMLDivElement>(null);
  const [finished, setFinished] = useState<Finished[]>([]);
  const [resumable, setResumable] = useState(0);

  useEffect(() => {
    const element = target.current;
    if (!element) return undefined;
    let destroy: (() => void) | undefined;
    let cancelled = false;
    // Uppy is loaded when the upload view opens, not with the grid.
    void Promise.all([
      import('@uppy/core'),
      import('@uppy/dashboard'),
      import('@uppy/tus'),
    ]).then(([{ default: Uppy }, { default: Dashboard }, { default: Tus }]) => {
      if (cancelled) return;
      const uppy = new Uppy({ id: 'media-console', autoProceed: true })
        .use(Dashboard, {
          inline: true,
          target: element,
          width: '100%',
          height: 420,
          proudlyDisplayPoweredByUppy: false,
          note: 'Any photo, video, audio or document. Reloaded mid-upload? Add the same file again: it continues where it stopped.',
        })
        .use(Tus, {
          endpoint: `${apiBase()}/tus`,
          headers: { authorization: `Bearer ${token}` },
          chunkSize: TUS_CHUNK_SIZE,
          retryDelays: [0, 1000, 3000, 5000],
          // Uppy copies `name` and `type` to tus's `filename` and `filetype` (the keys the server reads); its
          // other bookkeeping (relativePath, ...) stays in the browser.
          allowedMetaFields: ['name', 'type'],
          // A finished upload must not be "resumed" into the same asset when the file is uploaded again.
          removeFingerprintOnSuccess: true,
        });
      uppy.on('upload-success', (file, response) => {
        const assetId = assetIdOf(response.uploadURL);
        if (file && assetId)
          setFinished((list) => [
            { assetId, name: file.name ?? assetId },
            ...list,
          ]);
      });
      destroy = () => uppy.destroy();
    });
    setResumable(
      Object.keys(localStorage).filter((key) => key.startsWith('tus::')).length,
    );
    return () => {
      cancelled = true;
      destroy?.();
    };
  }, [token]);

  return (
    <section class="upload">
      {resumable > 0 ? (
        <p class="hint" data-testid="resumable">
          {resumable} unfinished upload{resumable === 1 ? '' : 's'} from before
          can continue: add the same file{resumable === 1 ? '' : 's'} again.
        </p>
      ) : null}
      <div ref={target} data-testid="uppy" />
      {finished.length > 0 ? (
        <ul class="finished" data-testid="finished">
          {finished.map((item) => (
            <li key={item.assetId}>
              <a
                href={`#/assets/${encodeURIComponent(item.assetId)}`}
                data-asset-id={item.assetId}
              >
                {item.name}
              </a>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
