import type { AssetRecord } from '../assets/asset.record';
import { referencedIds } from './asset-references.policy';

const file = (storageId: string) => ({ storage_file_id: storageId }) as AssetRecord['files'][number];

describe('referencedIds', () => {
  it('keeps the ids of the files and of the open upload, nothing else', () => {
    const asset = { files: [file('f1'), file('f2')], upload: { upload_id: 'u1' } as AssetRecord['upload'] };
    expect(referencedIds(asset, ['f1', 'u1', 'rendition-of-a-killed-job', 'f2'])).toEqual(['f1', 'u1', 'f2']);
  });

  it('keeps nothing of an asset that does not exist (never inserted, or deleted)', () => {
    expect(referencedIds(null, ['f1', 'u1'])).toEqual([]);
  });

  it('works for an asset without an open upload', () => {
    expect(referencedIds({ files: [file('f1')], upload: null }, ['u-old', 'f1'])).toEqual(['f1']);
  });
});
