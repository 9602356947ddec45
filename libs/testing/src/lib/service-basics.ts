import type { DynamicModule } from '@nestjs/common';
import { bootService, type RunningService } from './service-harness';

/**
 * What every service must do against real infrastructure (issue "Foundation"): boot, answer liveness,
 * become ready because its database and broker answer, expose Prometheus metrics, and speak problem+json.
 */
export function describeServiceBasics(service: string, build: () => DynamicModule): void {
  describe(`${service} on real infrastructure`, () => {
    let running: RunningService;

    beforeAll(async () => {
      running = await bootService(build());
    });

    afterAll(async () => {
      await running?.close();
    });

    it('is live', async () => {
      const response = await fetch(`${running.baseUrl}/health/live`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok' });
    });

    it('is ready: its MongoDB and Kafka answer', async () => {
      const response = await fetch(`${running.baseUrl}/health/ready`);
      const body = (await response.json()) as { status: string; info: Record<string, { status: string }> };
      expect(response.status).toBe(200);
      expect(body.status).toBe('ok');
      expect(body.info['mongodb']?.status).toBe('up');
      expect(body.info['kafka']?.status).toBe('up');
    });

    it('exposes Prometheus metrics, including the requests just made', async () => {
      const response = await fetch(`${running.baseUrl}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const text = await response.text();
      expect(text).toContain(`process_cpu_user_seconds_total{service="${service}"}`);
      expect(text).toMatch(new RegExp(`http_request_duration_seconds_count\\{service="${service}",method="GET",route="/health/ready",status="200"\\} [1-9]`));
    });

    it('answers an unknown route with problem+json, not HTML', async () => {
      const response = await fetch(`${running.baseUrl}/no-such-route`);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(await response.json()).toMatchObject({ status: 404, code: 'not_found' });
    });

    it('echoes a caller-supplied request id so a request can be followed across services', async () => {
      const response = await fetch(`${running.baseUrl}/health/live`, { headers: { 'x-request-id': 'trace-me-123' } });
      expect(response.headers.get('x-request-id')).toBe('trace-me-123');
    });
  });
}
