import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { TOPICS } from '@media/asset-model';
import { e2eContext } from '@media/testing';

const { gateway } = e2eContext();

describe('AsyncAPI document', () => {
  it('is served at /docs/asyncapi.json and .yaml, valid AsyncAPI 3 with a channel per Kafka topic', async () => {
    const json = await fetch(`${gateway}/docs/asyncapi.json`);
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    const document = (await json.json()) as { asyncapi: string; channels: Record<string, { address: string }> };
    expect(document.asyncapi).toMatch(/^3\./);
    expect(Object.values(document.channels).map((channel) => channel.address).sort()).toEqual(Object.values(TOPICS).sort());

    const yaml = await fetch(`${gateway}/docs/asyncapi.yaml`);
    expect(yaml.status).toBe(200);
    expect(yaml.headers.get('content-type')).toMatch(/^application\/yaml/);
    const { document: parsed, diagnostics } = await new Parser().parse(await yaml.text());
    expect(diagnostics.filter((diagnostic) => diagnostic.severity === DiagnosticSeverity.Error).map((diagnostic) => diagnostic.message)).toEqual([]);
    expect(parsed?.operations().all().length).toBeGreaterThanOrEqual(5);
  });
});
