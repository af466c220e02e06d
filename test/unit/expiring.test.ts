import { expiring, resetLazyValues } from '#lib/lazy';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

/** A load that counts its calls and answers `answer()` (or fails with it, when it is an Error). */
function counted(answer: () => unknown = () => 'value') {
  const load = jest.fn(async () => {
    const value = answer();
    if (value instanceof Error) throw value;
    return value;
  });
  return load;
}

test('keeps the value for the TTL, then loads it again', async () => {
  const load = counted();
  const get = expiring(() => 1_000, load);

  await get();
  jest.advanceTimersByTime(999);
  await get();
  expect(load).toHaveBeenCalledTimes(1);

  jest.advanceTimersByTime(1);
  await get();
  expect(load).toHaveBeenCalledTimes(2);
});

test('calls during a load share it: one load however many ask at once', async () => {
  const load = counted();
  const get = expiring(() => 1_000, load);

  const values = await Promise.all([get(), get(), get()]);

  expect(values).toEqual(['value', 'value', 'value']);
  expect(load).toHaveBeenCalledTimes(1);
});

test('does not keep a failed load: the next call tries again', async () => {
  let fail = true;
  const load = counted(() => (fail ? new Error('database down') : 'value'));
  const get = expiring(() => 60_000, load);

  await expect(get()).rejects.toThrow('database down');
  fail = false;

  await expect(get()).resolves.toBe('value');
  expect(load).toHaveBeenCalledTimes(2);
});

test('keeps nothing with a TTL of 0', async () => {
  const load = counted();
  const get = expiring(() => 0, load);

  await get();
  await get();

  expect(load).toHaveBeenCalledTimes(2);
});

test('is forgotten with the lazy values, as a new container would start', async () => {
  const load = counted();
  const get = expiring(() => 60_000, load);
  await get();

  resetLazyValues();
  await get();

  expect(load).toHaveBeenCalledTimes(2);
});

test('starts no load when the TTL cannot be read: the call fails, nothing is left running', async () => {
  const load = counted();
  const get = expiring(() => {
    throw new Error('TAGS_CACHE_SECONDS must be a number of seconds');
  }, load);

  expect(() => get()).toThrow('TAGS_CACHE_SECONDS');
  expect(load).not.toHaveBeenCalled();
});
