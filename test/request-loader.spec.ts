import { RequestLoader } from '../src/db/request-loader';

/** A loader over `key * 10` that records every batch it is asked for. */
function tensLoader(fail: (key: number) => boolean = () => false) {
  const batches: number[][] = [];
  const loader = new RequestLoader<number, number>(async (keys) => {
    batches.push([...keys]);
    return keys.map((key) => (fail(key) ? new Error(`no ${key}`) : key * 10));
  });
  return { loader, batches };
}

describe('RequestLoader', () => {
  it('batches the loads of one tick, asks once per key, then answers synchronously', async () => {
    const { loader, batches } = tensLoader();
    const first = loader.load(1);
    const again = loader.load(1);
    const second = loader.load(2);
    expect(first).toBeInstanceOf(Promise);
    expect(again).toBe(first);
    expect(await Promise.all([first, second])).toEqual([10, 20]);
    expect(batches).toEqual([[1, 2]]);
    expect(loader.load(1)).toBe(10);
    expect(batches).toHaveLength(1);
  });

  it('uses a primed value without a batch, and reads it only for a new key', async () => {
    const { loader, batches } = tensLoader();
    const read = jest.fn(() => 7);
    loader.prime(3, read);
    loader.prime(3, read);
    expect(loader.load(3)).toBe(7);
    expect(read).toHaveBeenCalledTimes(1);
    await loader.load(4);
    loader.prime(4, () => 99);
    expect(loader.load(4)).toBe(40);
    expect(batches).toEqual([[4]]);
  });

  it('does not remember a failed load, and hands errors back in place from loadMany', async () => {
    let failing = true;
    const { loader, batches } = tensLoader((key) => key === 5 && failing);
    expect(await loader.loadMany([4, 5])).toEqual([40, new Error('no 5')]);
    failing = false;
    expect(await loader.load(5)).toBe(50);
    expect(batches).toEqual([[4, 5], [5]]);
  });

  it('loads a cleared key again, and a load from before the clear, answered last, does not overwrite it', async () => {
    let version = 1;
    const gates: (() => void)[] = [];
    const loader = new RequestLoader<number, string>((keys) => {
      const read = version;
      return new Promise((resolve) => gates.push(() => resolve(keys.map((key) => `${key}@${read}`))));
    });
    const nextTick = () => new Promise((resolve) => setTimeout(resolve, 0));
    const stale = loader.load(1);
    await nextTick();
    loader.clear(1);
    version = 2;
    const fresh = loader.load(1);
    await nextTick();
    expect(gates).toHaveLength(2);
    gates[1]();
    expect(await fresh).toBe('1@2');
    gates[0]();
    expect(await stale).toBe('1@1');
    expect(loader.load(1)).toBe('1@2');
  });
});
