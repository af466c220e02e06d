import OriginalLong from 'long';
import Long from '#db/bundle/long';

// db/bundle/long.ts stands in for the `long` package in the bundles: mysql2 reads 64-bit integers with it.
const words: [number, number][] = [
  [0, 0],
  [1, 0],
  [-1, -1], // 2^64 - 1 unsigned, -1 signed
  [0, 0x80000000], // 2^63 unsigned, the smallest signed
  [-1, 0x7fffffff], // the largest signed
  [0xffffffff, 0x001fffff], // 2^53 - 1, the largest safe integer
  [0, 0x00200000], // 2^53
  [1, 0x00200000], // 2^53 + 1: not a double
  [0x12345678, -0x1234568], // a negative high word, as readInt32 never gives but Long accepts
];

test.each(words)(
  'low %i, high %i: the same decimal string and nearest number as the package, signed and unsigned',
  (low, high) => {
    for (const unsigned of [false, true]) {
      const original = new OriginalLong(low, high, unsigned);
      const standIn = new Long(low, high, unsigned);

      expect(standIn.toString()).toBe(original.toString());
      // Long adds the two halves as doubles, BigInt rounds once: equal wherever mysql2 uses the number.
      if (Number.isSafeInteger(original.toNumber())) expect(standIn.toNumber()).toBe(original.toNumber());
      else expect(Math.abs(standIn.toNumber() - original.toNumber())).toBeLessThanOrEqual(4096);
    }
  },
);

test("the two values mysql2's tests name: 2^63 - 1 and -2^63", () => {
  expect(new Long(-1, 0x7fffffff, false).toString()).toBe('9223372036854775807');
  expect(new Long(0, 0x80000000, false).toString()).toBe('-9223372036854775808');
  expect(new Long(-1, -1, true).toString()).toBe('18446744073709551615');
});
