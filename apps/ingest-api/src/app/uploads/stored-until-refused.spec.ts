import { StoredUntilRefused } from './stored-until-refused';

describe('StoredUntilRefused', () => {
  function tracker() {
    const discarded: string[] = [];
    return { discarded, kept: new StoredUntilRefused<string>(async (value) => void discarded.push(value)) };
  }

  it('keeps what was stored when the request goes through', async () => {
    const { discarded, kept } = tracker();
    await kept.hold(Promise.resolve('file-1'));
    expect(kept.value).toBe('file-1');
    expect(discarded).toEqual([]);
  });

  it('discards what was stored when the request is refused afterwards', async () => {
    const { discarded, kept } = tracker();
    await kept.hold(Promise.resolve('file-1'));
    await kept.refuse();
    expect(discarded).toEqual(['file-1']);
    expect(kept.value).toBeUndefined();
  });

  it('waits for a store in flight at the refusal, then discards what it stored', async () => {
    const { discarded, kept } = tracker();
    let land: (value: string) => void = () => undefined;
    const holding = kept.hold(new Promise<string>((resolve) => (land = resolve)));
    let refused = false;
    const refusing = kept.refuse().then(() => (refused = true));
    await Promise.resolve();
    expect(refused).toBe(false);
    land('file-2');
    await Promise.all([holding, refusing]);
    expect(discarded).toEqual(['file-2']);
    expect(kept.value).toBeUndefined();
  });

  it('discards nothing when nothing was stored, and a failed store does not fail the refusal', async () => {
    const { discarded, kept } = tracker();
    const holding = kept.hold(Promise.reject(new Error('storage refused')));
    await kept.refuse();
    await expect(holding).rejects.toThrow('storage refused');
    expect(discarded).toEqual([]);
  });

  it('discards once, however often the refusal is reported', async () => {
    const { discarded, kept } = tracker();
    await kept.hold(Promise.resolve('file-1'));
    await kept.refuse();
    await kept.refuse();
    expect(discarded).toEqual(['file-1']);
  });
});
