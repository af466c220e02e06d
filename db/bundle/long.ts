/**
 * Replaces the `long` package in Lambda bundles (serverless.yml → custom.esbuild.alias). mysql2 uses it in one
 * place (packets/packet.js): `new Long(low, high, unsigned)` for a 64-bit integer beyond 2^53, read back with
 * `toString()` or `toNumber()`. Node's BigInt does that natively; the package's other ~10 KB (arithmetic, a
 * WebAssembly multiplier) would only be parsed at every cold start.
 */
class Long {
  private readonly value: bigint;

  /** The 64-bit integer whose low and high 32 bits these are (either sign), as signed or unsigned. */
  constructor(low: number, high: number, unsigned = false) {
    const bits = (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
    this.value = unsigned ? bits : BigInt.asIntN(64, bits);
  }

  toString(): string {
    return this.value.toString();
  }

  /** The nearest double (mysql2 uses it only when it is exact, i.e. a safe integer). */
  toNumber(): number {
    return Number(this.value);
  }
}

// mysql2 requires the package itself to be the class, as the package's CommonJS build exports it.
export = Long;
