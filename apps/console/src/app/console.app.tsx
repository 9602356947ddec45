import type { MediaAssetsClient } from '@media/client';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { AssetDetailView } from './assets/asset-detail.view';
import { AssetListView } from './assets/asset-list.view';
import { clientFor, describeToken, forgetToken, savedToken, saveToken } from './session.store';
import { UploadPanel } from './uploads/upload.panel';
import { WebhooksView } from './webhooks/webhooks.view';

/** `#/assets`, `#/assets/<id>`, `#/upload`, `#/webhooks`, `#/webhooks/<id>`: a reload lands where it was. */
type Route = { view: 'assets'; id?: string } | { view: 'upload' } | { view: 'webhooks'; id?: string };

function parseRoute(hash: string): Route {
  const [view, id] = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (view === 'upload') return { view: 'upload' };
  if (view === 'webhooks') return { view: 'webhooks', id: id || undefined };
  return { view: 'assets', id: id || undefined };
}

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function ConsoleApp() {
  const [token, setToken] = useState<string | null>(() => savedToken());
  const client = useMemo(() => (token ? clientFor(token) : null), [token]);
  const route = useRoute();

  if (!token || !client) {
    return (
      <TokenForm
        onToken={(value) => {
          saveToken(value);
          setToken(value);
        }}
      />
    );
  }
  const about = describeToken(token);
  return (
    <div class="console">
      <header class="topbar">
        <strong>Media console</strong>
        <nav>
          <a href="#/assets" class={route.view === 'assets' ? 'active' : ''}>Assets</a>
          <a href="#/upload" class={route.view === 'upload' ? 'active' : ''} data-testid="nav-upload">Upload</a>
          <a href="#/webhooks" class={route.view === 'webhooks' ? 'active' : ''}>Webhooks</a>
        </nav>
        <span class="who" title={about.scopes.join(' ')}>
          tenant <b data-testid="tenant">{about.tenant ?? '?'}</b>
          {about.expires && about.expires.getTime() < Date.now() ? <em class="error"> (token expired)</em> : null}
        </span>
        <button
          type="button"
          onClick={() => {
            forgetToken();
            setToken(null);
          }}
        >
          Sign out
        </button>
      </header>
      <main>{content(route, client, token)}</main>
    </div>
  );
}

function content(route: Route, client: MediaAssetsClient, token: string) {
  switch (route.view) {
    case 'upload':
      return <UploadPanel token={token} />;
    case 'webhooks':
      return <WebhooksView client={client} selected={route.id} />;
    default:
      return route.id ? <AssetDetailView key={route.id} client={client} id={route.id} /> : <AssetListView client={client} />;
  }
}

function TokenForm({ onToken }: { onToken: (token: string) => void }) {
  const [value, setValue] = useState('');
  return (
    <form
      class="token-form"
      onSubmit={(event) => {
        event.preventDefault();
        const token = value.trim();
        if (token) onToken(token);
      }}
    >
      <h1>Media console</h1>
      <p>
        Paste an access token. On a development machine, <code>npm start</code> prints the command that mints one, e.g.{' '}
        <code>npm run token -- --tenant acme --scopes assets,assets_publish,assets_delete,webhooks</code>.
      </p>
      <textarea name="token" rows={5} value={value} onInput={(event) => setValue(event.currentTarget.value)} placeholder="eyJhbGciOi..." />
      <button type="submit">Open the console</button>
      <p class="hint">The token stays in this browser (localStorage) until you sign out.</p>
    </form>
  );
}
