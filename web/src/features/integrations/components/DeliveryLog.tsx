import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { FormErrors } from '../../../ui/forms';
import { Loading } from '../../../ui/page';
import { useDeliveries, useRedeliver, type DeliveryRead } from '../hooks';

const time = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });

function Delivery({ webhookId, delivery, active }: { webhookId: string; delivery: DeliveryRead; active: boolean }) {
  const redeliver = useRedeliver(webhookId);
  const again = useSingleFlight(() => redeliver.mutateAsync(delivery.id));
  return (
    <li className="delivery" data-testid="delivery">
      <div className="delivery-head">
        <code>{delivery.event}</code>
        <span className={`badge ${delivery.status === 'delivered' ? 'ok' : ''}`}>{delivery.status}</span>
        <span className="muted">
          {time.format(new Date(delivery.created_at))} · {delivery.attempts}{' '}
          {delivery.attempts === 1 ? 'attempt' : 'attempts'}
        </span>
        {active && delivery.status !== 'pending' && (
          <button type="button" className="button small" onClick={() => again.run()}>
            {again.busy ? 'Sending…' : 'Send again'}
          </button>
        )}
      </div>
      {redeliver.error !== null && <FormErrors messages={describeError(redeliver.error).general} />}
      <table className="change-table attempts">
        <thead>
          <tr>
            <th scope="col">Attempt</th>
            <th scope="col">Status</th>
            <th scope="col">Duration</th>
            <th scope="col">Response</th>
          </tr>
        </thead>
        <tbody>
          {delivery.log.map((attempt) => (
            <tr key={attempt.attempt}>
              <td>{attempt.attempt}</td>
              <td>{attempt.status_code ?? (attempt.finished_at ? 'no answer' : 'sending…')}</td>
              <td>{attempt.duration_ms === null ? '–' : `${attempt.duration_ms} ms`}</td>
              <td>
                <code className="excerpt">{attempt.error ?? attempt.response_excerpt ?? ''}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </li>
  );
}

export function DeliveryLog({ webhookId, active }: { webhookId: string; active: boolean }) {
  const deliveries = useDeliveries(webhookId);
  if (deliveries.isPending) return <Loading />;
  if (deliveries.isError) return <FormErrors messages={describeError(deliveries.error).general} />;
  if (deliveries.data.items.length === 0) return <p className="muted">No deliveries yet.</p>;
  return (
    <ul className="deliveries" aria-label="Delivery log">
      {deliveries.data.items.map((delivery) => (
        <Delivery key={delivery.id} webhookId={webhookId} delivery={delivery} active={active} />
      ))}
    </ul>
  );
}
