import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildAsyncApiDocument } from '@media/asset-model';
import { findRepoRoot } from '@media/testing';
import { load } from 'js-yaml';
import { AsyncApiController } from './asyncapi.controller';

describe('the AsyncAPI document', () => {
  it('in docs/asyncapi.yaml is the generated one (run `npm run asyncapi` after changing a contract)', () => {
    const file = load(readFileSync(path.join(findRepoRoot(), 'docs', 'asyncapi.yaml'), 'utf8'));
    expect(file).toEqual(buildAsyncApiDocument());
  });

  it('is served as YAML that reads back as the JSON one', () => {
    const controller = new AsyncApiController();
    expect(load(controller.yamlDocument())).toEqual(controller.json());
  });
});
