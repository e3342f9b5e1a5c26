import { StageService } from '../../src/modules/stage/stage.service';

/**
 * Makes the next `stages` list wait in its resolver until `release()`: a request that holds its
 * slot for as long as a test needs. `calls()` counts the lists asked for since.
 */
export function holdNextStagesList(): { calls: () => number; release: () => void } {
  let resolveHeld!: () => void;
  const held = new Promise<void>((resolve) => (resolveHeld = resolve));
  const list = StageService.prototype.list;
  let calls = 0;
  const spy = jest.spyOn(StageService.prototype, 'list').mockImplementation(async function (this: StageService) {
    calls += 1;
    if (calls === 1) await held;
    return list.call(this);
  });
  return {
    calls: () => calls,
    release: () => {
      resolveHeld();
      spy.mockRestore();
    },
  };
}
