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

  it("keeps a live asset's image variants, which its files never list", () => {
    const variant = `var-${'a'.repeat(64)}`;
    expect(referencedIds({ files: [file('f1')], upload: null }, [variant, 'f1', 'stray'])).toEqual([variant, 'f1']);
  });

  it('keeps no variant of a deleted asset, and nothing that only looks like a variant id', () => {
    expect(referencedIds(null, [`var-${'a'.repeat(64)}`])).toEqual([]);
    expect(referencedIds({ files: [], upload: null }, ['var-123', `var-${'A'.repeat(64)}`])).toEqual([]);
  });
});
