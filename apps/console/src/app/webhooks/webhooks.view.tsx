import type { Delivery, MediaAssetsClient, Webhook } from '@media/client';
import { useState } from 'preact/hooks';
import { usePolling } from '../assets/use-polling.hook';

const POLL_MS = 5000;
const PAGE_SIZE = 50;

/** The tenant's webhook subscriptions and, for the chosen one, its delivery log with a retry per delivery. */
export function WebhooksView({ client, selected }: { client: MediaAssetsClient; selected?: string }) {
  const list = usePolling((signal) => client.webhooks.list({ signal }), 'webhooks', POLL_MS * 6);
  const webhooks = (list.data?.items ?? []) as Webhook[];
  return (
    <section class="webhooks">
      <div class="webhook-list">
        <h3>Webhooks</h3>
        {list.error ? <p class="error">{list.error}</p> : null}
        {list.data && webhooks.length === 0 ? <p>No subscriptions yet (create them with the API or `media-assets webhooks create`).</p> : null}
        <ul>
          {webhooks.map((webhook) => (
            <li key={webhook.id} class={webhook.id === selected ? 'active' : ''}>
              <a href={`#/webhooks/${encodeURIComponent(webhook.id)}`}>{webhook.url}</a>
              <span class={`status status-${webhook.status}`}>{webhook.status}</span>
              <span class="sub">{webhook.events.join(', ')}</span>
            </li>
          ))}
        </ul>
      </div>
      {selected ? <DeliveryLog key={selected} client={client} webhookId={selected} /> : null}
    </section>
  );
}

function DeliveryLog({ client, webhookId }: { client: MediaAssetsClient; webhookId: string }) {
  const [skip, setSkip] = useState(0);
  const page = usePolling((signal) => client.webhooks.deliveries(webhookId, { skip, limit: PAGE_SIZE }, { signal }), `${webhookId}:${skip}`, POLL_MS);
  const [notes, setNotes] = useState<Record<string, string>>({});
  const deliveries = (page.data?.items ?? []) as Delivery[];
  const total = page.data?.total ?? 0;

  const retry = async (delivery: Delivery) => {
    setNotes((current) => ({ ...current, [delivery.id]: 'retrying…' }));
    try {
      const after = await client.webhooks.retry(webhookId, delivery.id);
      setNotes((current) => ({ ...current, [delivery.id]: `sent again: ${after.status}` }));
      page.refresh();
    } catch (failure) {
      setNotes((current) => ({ ...current, [delivery.id]: failure instanceof Error ? failure.message : String(failure) }));
    }
  };

  return (
    <div class="deliveries">
      <h3>Deliveries</h3>
      {page.error ? <p class="error">{page.error}</p> : null}
      <table>
        <thead>
          <tr>
            <th>created</th>
            <th>event</th>
            <th>status</th>
            <th>attempts</th>
            <th>last error</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {deliveries.map((delivery) => (
            <tr key={delivery.id} data-delivery-id={delivery.id}>
              <td>{new Date(delivery.created_on).toLocaleString()}</td>
              <td>{delivery.event}</td>
              <td>
                <span class={`status status-${delivery.status}`}>{delivery.status}</span>
              </td>
              <td title={delivery.attempts.map((attempt) => `${attempt.at}: ${attempt.status_code ?? attempt.error ?? ''} (${attempt.duration_ms} ms)`).join('\n')}>
                {delivery.attempts.length}
              </td>
              <td>{delivery.last_error ?? ''}</td>
              <td>
                <button type="button" onClick={() => void retry(delivery)}>
                  Retry
                </button>
                {notes[delivery.id] ? <span class="sub"> {notes[delivery.id]}</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {total > PAGE_SIZE ? (
        <nav class="pager">
          <button type="button" disabled={skip === 0} onClick={() => setSkip(Math.max(0, skip - PAGE_SIZE))}>
            Newer
          </button>
          <button type="button" disabled={skip + PAGE_SIZE >= total} onClick={() => setSkip(skip + PAGE_SIZE)}>
            Older
          </button>
        </nav>
      ) : null}
    </div>
  );
}
