/**
 * Many short ASCII strings (cookies, store keys) kept off the V8 heap, so that
 * a benchmark can keep 100,000 of them while it measures the heap a store
 * takes: as JS strings they would add about 100 bytes a session to that figure.
 */
export class Jar {
  #bytes: Buffer;
  #ends: Uint32Array;
  #used = 0;
  #count = 0;

  constructor(capacity: number, averageLength = 128) {
    this.#bytes = Buffer.allocUnsafeSlow(capacity * averageLength);
    this.#ends = new Uint32Array(capacity);
  }

  get size(): number {
    return this.#count;
  }

  push(s: string): void {
    if (this.#count >= this.#ends.length) throw new Error("jar is full");
    if (this.#used + s.length > this.#bytes.length) {
      const bigger = Buffer.allocUnsafeSlow(this.#bytes.length * 2);
      this.#bytes.copy(bigger, 0, 0, this.#used);
      this.#bytes = bigger;
    }
    this.#used += this.#bytes.write(s, this.#used, "latin1");
    this.#ends[this.#count++] = this.#used;
  }

  get(i: number): string {
    return this.#bytes.toString("latin1", i === 0 ? 0 : this.#ends[i - 1]!, this.#ends[i]!);
  }
}
