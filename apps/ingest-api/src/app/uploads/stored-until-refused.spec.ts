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

  it('discards what lands after the refusal, as soon as it lands', async () => {
    const { discarded, kept } = tracker();
    let land: (value: string) => void = () => undefined;
    const holding = kept.hold(new Promise<string>((resolve) => (land = resolve)));
    await kept.refuse();
    expect(discarded).toEqual([]);
    land('file-2');
    await holding;
    expect(discarded).toEqual(['file-2']);
    expect(kept.value).toBeUndefined();
  });

  it('discards nothing when nothing was stored', async () => {
    const { discarded, kept } = tracker();
    await kept.refuse();
    await expect(kept.hold(Promise.reject(new Error('storage refused')))).rejects.toThrow('storage refused');
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
